package jllm.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jllm.formats.tokenizer.Vocabulary;

/**
 * SentencePiece BPE as llama.cpp's {@code llm_tokenizer_spm} does it: the text (with a space put in
 * front, spaces written {@code ▁}) starts as one symbol per character; repeatedly the adjacent pair
 * whose concatenation is the highest-scoring token merges (ties: leftmost first); characters no
 * token covers come out as their UTF-8 bytes' {@code <0xNN>} tokens.
 *
 * <p>The pairs are looked up by symbol id in a table built once from every token's two-part splits,
 * and the queue holds only (priority, position), so encoding is O(n log n) in the text length. The
 * text is first cut between adjacent characters that occur next to each other in no token: no
 * merge can cross such a cut, so the pieces merge independently with the same result, and short
 * pieces (mostly words) are cached.
 */
final class SpmTokenizer extends BaseTokenizer {
    private static final int DEAD = -2;
    private static final int NO_SYMBOL = -1;

    private final int n;
    /** Rank of each token's score, 0 for the highest; equal scores share a rank. */
    private final int[] priority;
    /** (left symbol, right symbol) to the token they merge into. */
    private final LongIntMap merges;
    /** Symbols for BMP code points: a token id, an id above the vocabulary for a mergeable non-token character, or -1. */
    private final int[] bmpSymbol = new int[0x10000];
    private final Map<Integer, Integer> otherSymbol = new HashMap<>();
    private final int[] byteToken = new int[256];
    /** Pairs of code points that occur next to each other in some token (the value is unused). */
    private final LongIntMap adjacent;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();
    private static final int CACHE_MAX_PIECE = 48;
    private static final int CACHE_MAX_ENTRIES = 1 << 17;

    SpmTokenizer(Vocabulary v) {
        super(v);
        n = tokens.size();
        priority = scoreRanks(v.scores());
        Map<Integer, Integer> extraChars = new HashMap<>();
        merges = new LongIntMap(n * 4);
        adjacent = new LongIntMap(n * 4);
        for (int t = 0; t < n; t++) {
            String s = tokens.get(t);
            if (id(s) != t || s.codePointCount(0, s.length()) < 2) {
                continue;
            }
            int[] cps = s.codePoints().toArray();
            for (int k = 1; k < cps.length; k++) {
                adjacent.putIfAbsent(LongIntMap.pair(cps[k - 1], cps[k]), 1);
            }
            for (int j = s.offsetByCodePoints(0, 1); j < s.length(); j = s.offsetByCodePoints(j, 1)) {
                int left = symbolOf(s, 0, j, extraChars);
                int right = symbolOf(s, j, s.length(), extraChars);
                if (left != NO_SYMBOL && right != NO_SYMBOL) {
                    merges.putIfAbsent(LongIntMap.pair(left, right), t);
                }
            }
        }
        Arrays.fill(bmpSymbol, NO_SYMBOL);
        for (int cp = 0; cp < 0x10000; cp++) {
            if (cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE) {
                int id = id(String.valueOf((char) cp));
                bmpSymbol[cp] = id >= 0 ? id : extraChars.getOrDefault(cp, NO_SYMBOL);
            }
        }
        for (int t = 0; t < n; t++) {
            String s = tokens.get(t);
            if (s.length() == 2 && s.codePointCount(0, 2) == 1 && id(s) == t) {
                otherSymbol.put(s.codePointAt(0), t);
            }
        }
        extraChars.forEach((cp, sym) -> {
            if (cp >= 0x10000) {
                otherSymbol.putIfAbsent(cp, sym);
            }
        });
        for (int b = 0; b < 256; b++) {
            int id = id(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) {
                id = id(String.valueOf((char) b));
            }
            byteToken[b] = id >= 0 ? id : v.special().unk();
        }
    }

    /** The symbol for {@code s[from, to)} if such a symbol can exist: a token, or a single character. */
    private int symbolOf(String s, int from, int to, Map<Integer, Integer> extraChars) {
        int id = index.find(s, from, to);
        if (id >= 0) {
            return id;
        }
        int cp = s.codePointAt(from);
        if (Character.charCount(cp) == to - from) {
            return extraChars.computeIfAbsent(cp, c -> n + extraChars.size());
        }
        return NO_SYMBOL;
    }

    private static int[] scoreRanks(float[] scores) {
        int m = scores.length;
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(scores[b] + 0f, scores[a] + 0f));
        int[] rank = new int[m];
        int r = 0;
        for (int i = 0; i < m; i++) {
            if (i > 0 && scores[order[i]] + 0f != scores[order[i - 1]] + 0f) {
                r = i;
            }
            rank[order[i]] = r;
        }
        return rank;
    }

    private int charSymbol(int cp) {
        return cp < 0x10000 ? bmpSymbol[cp] : otherSymbol.getOrDefault(cp, NO_SYMBOL);
    }

    @Override
    void encodeText(String fragment, boolean afterSpecial, IntList out) {
        String text = (vocab.addSpacePrefix() && afterSpecial ? " " : "") + fragment;
        int[] cps = text.replace(' ', '\u2581').codePoints().toArray();
        int start = 0;
        for (int p = 1; p <= cps.length; p++) {
            if (p == cps.length || adjacent.get(LongIntMap.pair(cps[p - 1], cps[p]), 0) == 0) {
                encodePiece(cps, start, p, out);
                start = p;
            }
        }
    }

    private void encodePiece(int[] cps, int from, int to, IntList out) {
        if (to - from > CACHE_MAX_PIECE) {
            merge(cps, from, to, out);
            return;
        }
        String key = new String(cps, from, to - from);
        int[] hit = cache.get(key);
        if (hit != null) {
            out.addAll(hit);
            return;
        }
        int before = out.size();
        merge(cps, from, to, out);
        if (cache.size() >= CACHE_MAX_ENTRIES) {
            cache.clear();
        }
        cache.put(key, out.toArray(before, out.size()));
    }

    /** Merges the symbols of {@code all[from, to)} and appends the tokens. */
    private void merge(int[] all, int from, int to, IntList out) {
        int[] cps = java.util.Arrays.copyOfRange(all, from, to);
        int m = cps.length;
        int[] sym = new int[m];
        int[] prev = new int[m];
        int[] next = new int[m];
        for (int i = 0; i < m; i++) {
            sym[i] = charSymbol(cps[i]);
            prev[i] = i - 1;
            next[i] = i + 1 < m ? i + 1 : -1;
        }
        LongHeap queue = new LongHeap();
        for (int i = 1; i < m; i++) {
            offer(queue, sym, i - 1, i);
        }
        while (!queue.isEmpty()) {
            long key = queue.pop();
            int left = (int) key;
            int right = next[left];
            if (sym[left] == DEAD || right < 0) {
                continue;
            }
            int t = merges.get(LongIntMap.pair(sym[left], sym[right]), -1);
            if (t < 0 || priority[t] != (int) (key >>> 32)) {
                continue;  // stale: one side has changed since this pair was queued
            }
            sym[left] = t;
            sym[right] = DEAD;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            offer(queue, sym, prev[left], left);
            offer(queue, sym, left, next[left]);
        }
        for (int i = 0; i >= 0 && m > 0; i = next[i]) {
            int s = sym[i];
            if (s >= 0 && s < n) {
                out.add(s);
            } else {
                byte[] utf8 = new String(Character.toChars(cps[i])).getBytes(StandardCharsets.UTF_8);
                for (byte b : utf8) {
                    int id = byteToken[b & 0xFF];
                    if (id < 0) {
                        throw new IllegalArgumentException(vocab.source() + ": cannot encode byte "
                                + String.format("0x%02X", b & 0xFF) + ": no <0xNN> token and no <unk>");
                    }
                    out.add(id);
                }
            }
        }
    }

    private void offer(LongHeap queue, int[] sym, int left, int right) {
        if (left < 0 || right < 0 || sym[left] < 0 || sym[right] < 0) {
            return;
        }
        int t = merges.get(LongIntMap.pair(sym[left], sym[right]), -1);
        if (t >= 0) {
            queue.push(((long) priority[t] << 32) | left);
        }
    }

    @Override
    byte[] normalPiece(String text) {
        return text.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
    }

    @Override
    byte[] bytePiece(String text) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(text.substring(3, 5), 16)};
            } catch (NumberFormatException e) {
                // falls through: not a byte token after all
            }
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    boolean stripsLeadingSpace() { return vocab.addSpacePrefix(); }
}
