package jllm.engine.tokenizer;

import jllm.formats.TextTable;

/**
 * Finds token ids by text given as a region of another string, or as two regions one after the
 * other, without building the substring: the merge table of a 128k BPE vocabulary has ~280k
 * entries "left right", and cutting each into three new strings took a few hundred ms at startup.
 * Hashes are {@link String#hashCode} of the text, so a region hashes like the string it spells,
 * and a file's tokens are hashed from their bytes ({@link TextTable#hash}) without being decoded:
 * a probe decodes a token only when the hashes match.
 */
final class TokenTextIndex {
    private final TextTable tokens;
    private final int[] slots;   // token id + 1; 0 = empty
    private final int[] hashes;  // the slot's text hash: most probes end without touching a String
    private final int mask;

    TokenTextIndex(TextTable tokens) {
        this.tokens = tokens;
        int n = tokens.size();
        int cap = capacity(n);
        slots = new int[cap];
        hashes = new int[cap];
        mask = cap - 1;
        for (int id = 0; id < n; id++) {
            int h = tokens.hash(id);
            int i = spread(h) & mask;
            while (slots[i] != 0 && (hashes[i] != h || !tokens.get(slots[i] - 1).equals(tokens.get(id)))) {
                i = (i + 1) & mask;
            }
            slots[i] = id + 1;   // a duplicate text maps to its last id, as in llama.cpp
            hashes[i] = h;
        }
    }

    /** The id of the token spelled by {@code s[from, to)}, or -1. */
    int find(String s, int from, int to) {
        return find(s, from, to, to, to);
    }

    /** The id of the token spelled by {@code s[aFrom, aTo)} followed by {@code s[bFrom, bTo)}, or -1. */
    int find(String s, int aFrom, int aTo, int bFrom, int bTo) {
        int h = 0;
        for (int k = aFrom; k < aTo; k++) {
            h = 31 * h + s.charAt(k);
        }
        for (int k = bFrom; k < bTo; k++) {
            h = 31 * h + s.charAt(k);
        }
        int la = aTo - aFrom, len = la + (bTo - bFrom);
        int i = spread(h) & mask;
        while (slots[i] != 0) {
            if (hashes[i] == h) {
                String t = tokens.get(slots[i] - 1);
                if (t.length() == len && t.regionMatches(0, s, aFrom, la) && t.regionMatches(la, s, bFrom, len - la)) {
                    return slots[i] - 1;
                }
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    /** Slots for n texts: a power of two, at most half full. */
    static int capacity(int n) {
        return Integer.highestOneBit(Math.max(16, n * 2 - 1)) << 1;
    }

    /** Short texts have small, clustered String hashes: multiply them apart before probing linearly. */
    static int spread(int h) {
        int x = h * 0x9E3779B9;
        return x ^ (x >>> 15);
    }
}
