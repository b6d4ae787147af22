package jllm.engine.tokenizer;

import jllm.formats.TextTable;

/**
 * BPE merge ranks looked up by the texts of the two symbols: merge {@code r} is the text
 * "left right" (split at its first space after the first character, as llama.cpp splits it), and
 * the rank of two adjacent symbols is that of the merge spelling them, the lowest where a merge
 * repeats. The table holds only each merge's text hash, so building it costs one pass over the
 * texts: resolving both parts of all ~280k merges of a 128k vocabulary to token ids up front took
 * about 150 ms of every start, and a prompt uses a few hundred merges.
 */
final class MergeRanks {
    private final TextTable merges;
    private final int[] slots;   // rank + 1; 0 = empty
    private final int[] hashes;
    private final int mask;
    /** 31^k, for the hash of "a b" from the hashes of a and b. */
    private static final int[] POW31 = new int[64];

    static {
        POW31[0] = 1;
        for (int k = 1; k < POW31.length; k++) {
            POW31[k] = 31 * POW31[k - 1];
        }
    }

    /**
     * {@code merges}: each "left right"; the caller has checked that each has such a space. A
     * file's merges are hashed from their bytes and decoded only when a probe meets them.
     */
    MergeRanks(TextTable merges) {
        this.merges = merges;
        int cap = TokenTextIndex.capacity(merges.size());
        slots = new int[cap];
        hashes = new int[cap];
        mask = cap - 1;
        for (int r = 0; r < merges.size(); r++) {
            int h = merges.hash(r);
            int i = TokenTextIndex.spread(h) & mask;
            while (slots[i] != 0 && !(hashes[i] == h && merges.get(slots[i] - 1).equals(merges.get(r)))) {
                i = (i + 1) & mask;
            }
            if (slots[i] == 0) {   // a repeated merge keeps its first (lowest) rank
                slots[i] = r + 1;
                hashes[i] = h;
            }
        }
    }

    /** The rank of the merge of texts a and b, or -1 where there is none. */
    int rank(String a, String b) {
        int la = a.length(), lb = b.length();
        int h = a.hashCode() * pow31(lb + 1) + ' ' * pow31(lb) + b.hashCode();
        for (int i = TokenTextIndex.spread(h) & mask; slots[i] != 0; i = (i + 1) & mask) {
            if (hashes[i] == h) {
                String m = merges.get(slots[i] - 1);
                if (m.length() == la + 1 + lb && m.charAt(la) == ' ' && m.startsWith(a) && m.startsWith(b, la + 1)
                        && m.indexOf(' ', 1) == la) {
                    return slots[i] - 1;
                }
            }
        }
        return -1;
    }

    private static int pow31(int k) {
        if (k < POW31.length) {
            return POW31[k];
        }
        int p = POW31[POW31.length - 1];
        for (int j = POW31.length - 1; j < k; j++) {
            p *= 31;
        }
        return p;
    }
}
