package jllm.engine.tokenizer;

import static jllm.engine.tokenizer.UnicodeClass.LETTER;
import static jllm.engine.tokenizer.UnicodeClass.NUMBER;
import static jllm.engine.tokenizer.UnicodeClass.WHITESPACE;

/**
 * GPT-2's split regex {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)}
 * as a hand-written scanner (the approach llama.cpp takes too). {@code \s+(?!\S)} takes a whitespace
 * run except its last character when a non-space follows, so that character can prefix the next
 * word; any whitespace left over becomes a piece of its own, which is what the regex's gaps give.
 */
final class Gpt2PreTokenizer implements PreTokenizer {

    @Override
    public void split(int[] c, int from, int to, IntList ends) {
        int pos = from;
        while (pos < to) {
            int cpt = c[pos];
            int flags = UnicodeClass.of(cpt);
            if (cpt == '\'' && pos + 1 < to) {
                int n1 = c[pos + 1];
                if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') {
                    pos += 2;
                    ends.add(pos);
                    continue;
                }
                if (pos + 2 < to) {
                    int n2 = c[pos + 2];
                    if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) {
                        pos += 3;
                        ends.add(pos);
                        continue;
                    }
                }
            }
            int flags2 = cpt == ' ' ? flagsAt(c, pos + 1, to) : flags;
            int run = (flags2 & LETTER) != 0 ? LETTER : (flags2 & NUMBER) != 0 ? NUMBER : 0;
            if (run != 0) {  // ' ?\p{L}+' or ' ?\p{N}+'
                if (cpt == ' ') {
                    pos++;
                }
                while (pos < to && (UnicodeClass.of(c[pos]) & run) != 0) {
                    pos++;
                }
                ends.add(pos);
                continue;
            }
            if (pos + (cpt == ' ' ? 1 : 0) < to && (flags2 & (WHITESPACE | LETTER | NUMBER)) == 0) {
                // ' ?[^\s\p{L}\p{N}]+'
                if (cpt == ' ') {
                    pos++;
                }
                while (pos < to && (UnicodeClass.of(c[pos]) & (WHITESPACE | LETTER | NUMBER)) == 0) {
                    pos++;
                }
                ends.add(pos);
                continue;
            }
            int ws = 0;
            while (pos + ws < to && (UnicodeClass.of(c[pos + ws]) & WHITESPACE) != 0) {
                ws++;
            }
            if (ws > 1 && pos + ws < to) {  // '\s+(?!\S)'
                pos += ws - 1;
            } else if (ws > 0) {           // '\s+' at the end, or a single whitespace before a non-space
                pos += ws;
            } else {
                pos++;
            }
            ends.add(pos);
        }
    }

    static int flagsAt(int[] c, int pos, int to) {
        return pos < to ? UnicodeClass.of(c[pos]) : 0;
    }
}
