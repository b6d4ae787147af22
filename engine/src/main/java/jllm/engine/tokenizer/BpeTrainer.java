package jllm.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import jllm.formats.tokenizer.SpecialTokenIds;
import jllm.formats.tokenizer.TokenType;
import jllm.formats.tokenizer.Vocabulary;
import jllm.formats.tokenizer.VocabularyType;

/**
 * Trains a byte-level BPE tokenizer: the text is split into words with GPT-2's pre-tokenizer, each
 * word starts as its UTF-8 bytes, and the most frequent adjacent pair is merged until the
 * vocabulary reaches the target size (ties: the pair of smaller ids). The result is a
 * {@code gpt2}/{@code gpt-2} vocabulary: 256 byte tokens (in byte order), the merged tokens in merge
 * order, then the special tokens as control tokens; the first special token is BOS and EOS.
 *
 * <p>Pair counts are updated only in the words that contain the merged pair, so training costs about
 * the total length of the words each merge touches, not the corpus size per merge.
 */
public final class BpeTrainer {

    /**
     * @param vocabSize     the number of tokens wanted, specials included (at least 256 + specials)
     * @param specialTokens control tokens to add, e.g. {@code <|endoftext|>}
     * @param minFrequency  pairs seen fewer times than this are never merged (at least 1)
     */
    public record Options(int vocabSize, List<String> specialTokens, int minFrequency) {
        public Options {
            specialTokens = List.copyOf(specialTokens);
            if (vocabSize < 256 + specialTokens.size()) {
                throw new IllegalArgumentException("vocab size " + vocabSize + " is below the 256 byte tokens plus "
                        + specialTokens.size() + " special tokens");
            }
            if (minFrequency < 1) {
                throw new IllegalArgumentException("min frequency must be at least 1, got " + minFrequency);
            }
            for (String s : specialTokens) {
                if (s.isEmpty()) {
                    throw new IllegalArgumentException("a special token cannot be empty");
                }
            }
            if (specialTokens.stream().distinct().count() != specialTokens.size()) {
                throw new IllegalArgumentException("special tokens repeat: " + specialTokens);
            }
        }

        /** {@code vocabSize} tokens with {@code <|endoftext|>} as the one special token, pairs seen twice or more. */
        public static Options of(int vocabSize) {
            return new Options(vocabSize, List.of("<|endoftext|>"), 2);
        }
    }

    private BpeTrainer() {}

    /** Trains on {@code text}. */
    public static Vocabulary train(String text, Options options) {
        Map<String, int[]> counts = countWords(BaseTokenizer.withoutLoneSurrogates(text));
        int nw = counts.size();
        int[][] words = new int[nw][];
        long[] freq = new long[nw];
        int w = 0;
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            byte[] b = e.getKey().getBytes(StandardCharsets.UTF_8);
            words[w] = new int[b.length];
            for (int i = 0; i < b.length; i++) {
                words[w][i] = b[i] & 0xFF;
            }
            freq[w++] = e.getValue()[0];
        }
        counts.clear();

        List<String> tokens = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            String s = String.valueOf(ByteLevel.charOf(b));
            tokens.add(s);
            ids.put(s, b);
        }
        Map<Long, Pair> pairs = new HashMap<>();
        for (int i = 0; i < nw; i++) {
            int[] s = words[i];
            for (int k = 1; k < s.length; k++) {
                Pair p = pairs.computeIfAbsent(LongIntMap.pair(s[k - 1], s[k]), key -> new Pair(key));
                p.count += freq[i];
                p.words.add(i);
            }
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>();
        for (Pair p : pairs.values()) {
            queue.add(new Candidate(p.count, p.key));
        }

        List<String> merges = new ArrayList<>();
        int target = options.vocabSize() - options.specialTokens().size();
        int[] seen = new int[nw];
        Arrays.fill(seen, -1);
        Map<Long, Long> delta = new HashMap<>();
        while (tokens.size() < target && !queue.isEmpty()) {
            Candidate best = queue.poll();
            Pair p = pairs.get(best.key);
            if (p == null || p.count != best.count) {
                continue;  // stale entry
            }
            if (p.count < options.minFrequency()) {
                break;
            }
            int a = (int) (p.key >>> 32);
            int b = (int) p.key;
            String joined = tokens.get(a) + tokens.get(b);
            Integer existing = ids.get(joined);
            int c = existing != null ? existing : tokens.size();
            if (existing == null) {
                tokens.add(joined);
                ids.put(joined, c);
            }
            merges.add(tokens.get(a) + " " + tokens.get(b));
            int stamp = merges.size();
            delta.clear();
            for (int i = 0; i < p.words.size(); i++) {
                int wi = p.words.get(i);
                if (seen[wi] == stamp) {
                    continue;
                }
                seen[wi] = stamp;
                int[] s = words[wi];
                int[] merged = replace(s, a, b, c);
                if (merged.length == s.length) {
                    continue;
                }
                for (int k = 1; k < s.length; k++) {
                    delta.merge(LongIntMap.pair(s[k - 1], s[k]), -freq[wi], Long::sum);
                }
                for (int k = 1; k < merged.length; k++) {
                    long key = LongIntMap.pair(merged[k - 1], merged[k]);
                    delta.merge(key, freq[wi], Long::sum);
                    if (merged[k - 1] == c || merged[k] == c) {
                        pairs.computeIfAbsent(key, Pair::new).words.add(wi);
                    }
                }
                words[wi] = merged;
            }
            for (Map.Entry<Long, Long> d : delta.entrySet()) {
                if (d.getValue() == 0) {
                    continue;
                }
                Pair q = pairs.computeIfAbsent(d.getKey(), Pair::new);
                q.count += d.getValue();
                if (q.count > 0) {
                    queue.add(new Candidate(q.count, q.key));
                } else {
                    pairs.remove(q.key);
                }
            }
            pairs.remove(p.key);
        }

        int first = tokens.size();
        for (String s : options.specialTokens()) {
            if (ids.containsKey(s)) {
                throw new IllegalArgumentException("special token '" + s + "' is also a learned token");
            }
            tokens.add(s);
        }
        int n = tokens.size();
        TokenType[] types = new TokenType[n];
        Arrays.fill(types, 0, first, TokenType.NORMAL);
        Arrays.fill(types, first, n, TokenType.CONTROL);
        SpecialTokenIds special = first < n ? SpecialTokenIds.EMPTY.withBos(first).withEos(first) : SpecialTokenIds.EMPTY;
        return new Vocabulary("trained", VocabularyType.BPE, "gpt-2", tokens.toArray(String[]::new), new float[n],
                types, merges.toArray(String[]::new), special, false, false, false, "");
    }

    /** The word with each non-overlapping (a, b), left to right, replaced by c. */
    private static int[] replace(int[] s, int a, int b, int c) {
        int[] out = new int[s.length];
        int n = 0;
        for (int i = 0; i < s.length; i++) {
            if (i + 1 < s.length && s[i] == a && s[i + 1] == b) {
                out[n++] = c;
                i++;
            } else {
                out[n++] = s[i];
            }
        }
        return n == s.length ? s : Arrays.copyOf(out, n);
    }

    /** Counts GPT-2 pre-tokenizer words, in chunks cut after a newline that a non-space follows (always a word edge). */
    static Map<String, int[]> countWords(String text) {
        Map<String, int[]> counts = new HashMap<>();
        Gpt2PreTokenizer pre = new Gpt2PreTokenizer();
        IntList ends = new IntList(1 << 16);
        int start = 0;
        while (start < text.length()) {
            int end = chunkEnd(text, start, 1 << 20);
            int[] cps = text.substring(start, end).codePoints().toArray();
            ends.clear();
            pre.split(cps, 0, cps.length, ends);
            int from = 0;
            for (int i = 0; i < ends.size(); i++) {
                int to = ends.get(i);
                counts.computeIfAbsent(new String(cps, from, to - from), k -> new int[1])[0]++;
                from = to;
            }
            start = end;
        }
        return counts;
    }

    private static int chunkEnd(String text, int start, int size) {
        int at = start + size;
        while (at < text.length()) {
            if (text.charAt(at - 1) == '\n' && !UnicodeClass.isWhitespace(text.codePointAt(at))) {
                return at;
            }
            at++;
        }
        return text.length();
    }

    private static final class Pair {
        final long key;
        long count;
        final IntList words = new IntList(4);

        Pair(long key) { this.key = key; }
    }

    /** A queue entry: most frequent first, then the smaller pair of ids. */
    private record Candidate(long count, long key) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            return count != o.count ? Long.compare(o.count, count) : Long.compare(key, o.key);
        }
    }
}
