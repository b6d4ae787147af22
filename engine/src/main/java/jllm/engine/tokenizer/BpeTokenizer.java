package jllm.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jllm.formats.FormatException;
import jllm.formats.TextTable;
import jllm.formats.tokenizer.Vocabulary;

/**
 * Byte-level BPE as llama.cpp's {@code llm_tokenizer_bpe} does it: the pre-tokenizer splits the text
 * into words; each word's UTF-8 bytes, written as GPT-2's byte characters, start as one symbol each;
 * repeatedly the adjacent pair with the lowest merge rank merges (ties: leftmost first).
 *
 * <p>Symbols are ids (token ids, plus ids for merge parts that are not tokens), the queue holds
 * (rank, position) in one long, and results for short words are cached, so encoding is linear in
 * practice and O(n log n) for one huge word.
 */
final class BpeTokenizer extends BaseTokenizer {
    private static final int DEAD = -2;
    private static final int CACHE_MAX_WORD = 48;
    private static final int CACHE_MAX_ENTRIES = 1 << 17;

    private final PreTokenizer pre;
    private final int n;
    /** Merge ranks by the texts of the two symbols. */
    private final MergeRanks ranks;
    /** Rank to the symbol the merge makes, or {@link #UNRESOLVED} until first used. */
    private final int[] mergeResult;
    private static final int UNRESOLVED = -3;
    private final TextTable merges;
    /** Ids of texts above the vocabulary, by text. */
    private final Map<String, Integer> extraIds = new HashMap<>();
    /** Texts of symbols above the vocabulary (merge results and byte characters that are not tokens). */
    private final List<String> extraTexts = new ArrayList<>();
    private final int[] byteSymbol = new int[256];
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BpeTokenizer(Vocabulary v) {
        super(v);
        n = tokens.size();
        pre = PreTokenizer.forName(v.preTokenizer(), v.source());
        TextTable m = v.mergeTexts();
        merges = m;
        for (int r = 0; r < m.size(); r++) {
            if (!m.hasAsciiAfterFirst(r, ' ')) {
                throw new FormatException(v.source(), "tokenizer.ggml.merges[" + r + "]", -1,
                        "merge '" + m.get(r) + "' is not two tokens separated by a space");
            }
        }
        ranks = new MergeRanks(m);
        mergeResult = new int[m.size()];
        java.util.Arrays.fill(mergeResult, UNRESOLVED);
        for (int b = 0; b < 256; b++) {
            byteSymbol[b] = intern(String.valueOf(ByteLevel.charOf(b)));
        }
    }

    /**
     * The symbol merge {@code rank} makes. Found when a merge first applies: a prompt uses a few
     * hundred of a 128k vocabulary's ~280k merges, and looking all results up cost ~1/3 of loading.
     */
    private int mergeResult(int rank) {
        int r = mergeResult[rank];
        if (r == UNRESOLVED) {
            r = resolve(rank);
        }
        return r;
    }

    private synchronized int resolve(int rank) {
        String mr = merges.get(rank);
        int sp = mr.indexOf(' ', 1);
        int r = index.find(mr, 0, sp, sp + 1, mr.length());
        if (r < 0) {
            r = intern(mr.substring(0, sp) + mr.substring(sp + 1));
        }
        mergeResult[rank] = r;   // an int: other threads see the old or the new value, both handled
        return r;
    }

    /** Lazily resolved merges add texts: read them under the same lock. */
    private synchronized String extraText(int i) {
        return extraTexts.get(i);
    }

    /** The id of a token's text, or else a symbol id above the vocabulary for it (made on first use). */
    private synchronized int intern(String s) {
        int id = id(s);
        if (id >= 0) {
            return id;
        }
        return extraIds.computeIfAbsent(s, k -> {
            extraTexts.add(k);
            return n + extraTexts.size() - 1;
        });
    }

    /** The rank of the merge of two adjacent symbols, or -1. */
    private int rank(int left, int right) {
        return ranks.rank(left < n ? tokens.get(left) : extraText(left - n), right < n ? tokens.get(right) : extraText(right - n));
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        int[] cps = text.codePoints().toArray();
        IntList ends = new IntList(Math.max(16, cps.length / 4));
        pre.split(cps, 0, cps.length, ends);
        int start = 0;
        for (int i = 0; i < ends.size(); i++) {
            int end = ends.get(i);
            encodeWord(new String(cps, start, end - start), out);
            start = end;
        }
    }

    private void encodeWord(String word, IntList out) {
        boolean cacheable = word.length() <= CACHE_MAX_WORD;
        if (cacheable) {
            int[] hit = cache.get(word);
            if (hit != null) {
                out.addAll(hit);
                return;
            }
        }
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        int before = out.size();
        int whole = pre.ignoreMerges() ? id(ByteLevel.encode(bytes)) : -1;
        if (whole >= 0) {
            out.add(whole);
        } else {
            merge(bytes, out);
        }
        if (cacheable) {
            if (cache.size() >= CACHE_MAX_ENTRIES) {
                cache.clear();
            }
            cache.put(word, out.toArray(before, out.size()));
        }
    }

    private void merge(byte[] bytes, IntList out) {
        int m = bytes.length;
        int[] sym = new int[m];
        int[] prev = new int[m];
        int[] next = new int[m];
        for (int i = 0; i < m; i++) {
            sym[i] = byteSymbol[bytes[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1 < m ? i + 1 : -1;
        }
        if (m > 1) {
            LongHeap queue = new LongHeap();
            for (int i = 1; i < m; i++) {
                offer(queue, sym, i - 1, i);
            }
            while (!queue.isEmpty()) {
                long key = queue.pop();
                int left = (int) key;
                int rank = (int) (key >>> 32);
                int right = next[left];
                if (sym[left] == DEAD || right < 0
                        || rank(sym[left], sym[right]) != rank) {
                    continue;  // stale: a side has merged since this pair was queued
                }
                sym[left] = mergeResult(rank);
                sym[right] = DEAD;
                next[left] = next[right];
                if (next[right] >= 0) {
                    prev[next[right]] = left;
                }
                offer(queue, sym, prev[left], left);
                offer(queue, sym, left, next[left]);
            }
        }
        for (int i = 0; i >= 0 && m > 0; i = next[i]) {
            int s = sym[i];
            if (s >= 0 && s < n) {
                out.add(s);
            } else {
                // Not a token: llama.cpp looks each byte of the text up as a one-character token.
                String t = s >= n ? extraText(s - n) : String.valueOf(ByteLevel.charOf(bytes[i]));
                for (int k = 0; k < t.length(); k++) {
                    int id = t.charAt(k) < 0x80 ? index.find(t, k, k + 1) : -1;
                    if (id >= 0) {
                        out.add(id);
                    }
                }
            }
        }
    }

    private void offer(LongHeap queue, int[] sym, int left, int right) {
        if (left < 0 || right < 0 || sym[left] < 0 || sym[right] < 0) {
            return;
        }
        int rank = rank(sym[left], sym[right]);
        if (rank >= 0) {
            queue.push(((long) rank << 32) | left);
        }
    }

    @Override
    byte[] normalPiece(String text) {
        return ByteLevel.decode(text);
    }

    @Override
    byte[] bytePiece(String text) {
        return new byte[0];
    }

    @Override
    boolean stripsLeadingSpace() { return false; }
}
