package jllm.engine.tokenizer;

import static jllm.engine.tokenizer.UnicodeClass.LETTER;
import static jllm.engine.tokenizer.UnicodeClass.NUMBER;
import static jllm.engine.tokenizer.UnicodeClass.WHITESPACE;

/**
 * Llama 3's split regex
 * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}
 * as a scanner, following llama.cpp's. Qwen2's regex is the same except {@code \p{N}} takes one
 * digit at a time, so the digit group length is a parameter.
 */
final class Llama3PreTokenizer implements PreTokenizer {
    private final int maxDigits;
    private final boolean ignoreMerges;

    Llama3PreTokenizer(int maxDigits, boolean ignoreMerges) {
        this.maxDigits = maxDigits;
        this.ignoreMerges = ignoreMerges;
    }

    @Override
    public boolean ignoreMerges() { return ignoreMerges; }

    @Override
    public void split(int[] c, int from, int to, IntList ends) {
        int pos = from;
        while (pos < to) {
            int cpt = c[pos];
            int flags = UnicodeClass.of(cpt);
            if (cpt == '\'' && pos + 1 < to) {  // case-insensitive contractions
                int n1 = Character.toLowerCase(c[pos + 1]);
                if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') {
                    pos += 2;
                    ends.add(pos);
                    continue;
                }
                if (pos + 2 < to) {
                    int n2 = Character.toLowerCase(c[pos + 2]);
                    if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) {
                        pos += 3;
                        ends.add(pos);
                        continue;
                    }
                }
            }
            // '[^\r\n\p{L}\p{N}]?\p{L}+'
            if (!(cpt == '\r' || cpt == '\n' || (flags & NUMBER) != 0)
                    && ((flags & LETTER) != 0 || (Gpt2PreTokenizer.flagsAt(c, pos + 1, to) & LETTER) != 0)) {
                pos++;
                while (pos < to && (UnicodeClass.of(c[pos]) & LETTER) != 0) {
                    pos++;
                }
                ends.add(pos);
                continue;
            }
            // '\p{N}{1,maxDigits}'
            if ((flags & NUMBER) != 0) {
                int start = pos;
                while (pos < to && (UnicodeClass.of(c[pos]) & NUMBER) != 0) {
                    pos++;
                    if (pos - start >= maxDigits) {
                        ends.add(pos);
                        start = pos;
                    }
                }
                if (pos > start) {
                    ends.add(pos);
                }
                continue;
            }
            // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
            int flags2 = cpt == ' ' ? Gpt2PreTokenizer.flagsAt(c, pos + 1, to) : flags;
            if ((flags2 & (WHITESPACE | LETTER | NUMBER)) == 0) {
                if (cpt == ' ') {
                    pos++;
                }
                while (pos < to && (UnicodeClass.of(c[pos]) & (WHITESPACE | LETTER | NUMBER)) == 0) {
                    pos++;
                }
                while (pos < to && (c[pos] == '\r' || c[pos] == '\n')) {
                    pos++;
                }
                ends.add(pos);
                continue;
            }
            int ws = 0;
            int lastNewlineEnd = 0;
            while (pos + ws < to && (UnicodeClass.of(c[pos + ws]) & WHITESPACE) != 0) {
                int w = c[pos + ws];
                if (w == '\r' || w == '\n') {
                    lastNewlineEnd = pos + ws + 1;
                }
                ws++;
            }
            if (lastNewlineEnd > 0) {          // '\s*[\r\n]+'
                pos = lastNewlineEnd;
            } else if (ws > 1 && pos + ws < to) { // '\s+(?!\S)'
                pos += ws - 1;
            } else if (ws > 0) {               // '\s+'
                pos += ws;
            } else {
                pos++;
            }
            ends.add(pos);
        }
    }
}
