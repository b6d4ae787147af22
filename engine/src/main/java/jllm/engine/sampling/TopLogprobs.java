package jllm.engine.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The most likely tokens with their log-probabilities, computed from the raw logits (before
 * penalties, truncation and temperature), as OpenAI-style APIs report {@code top_logprobs}.
 */
public final class TopLogprobs {

    private TopLogprobs() {
    }

    /**
     * The {@code k} most likely ids, best first (ties: lowest id first), with their
     * log-probabilities. Does not modify {@code logits}.
     */
    public static List<TokenLogprob> of(float[] logits, int k) {
        if (k < 0) {
            throw new IllegalArgumentException("--top-logprobs must be >= 0, got " + k);
        }
        int n = Math.min(k, logits.length);
        if (n == 0) {
            return List.of();
        }
        double logNorm = logSumExp(logits);
        long[] best = new long[n];
        int size = 0;
        for (int id = 0; id < logits.length; id++) {
            long key = Candidates.key(logits[id], id);
            if (size < n) {
                best[size++] = key;
                if (size == n) {
                    Arrays.sort(best);
                }
            } else if (key < best[n - 1]) {
                int at = n - 1;
                while (at > 0 && best[at - 1] > key) {
                    best[at] = best[at - 1];
                    at--;
                }
                best[at] = key;
            }
        }
        Arrays.sort(best, 0, size);
        List<TokenLogprob> result = new ArrayList<>(n);
        for (int i = 0; i < size; i++) {
            int id = (int) best[i];
            result.add(new TokenLogprob(id, (float) (logits[id] - logNorm)));
        }
        return List.copyOf(result);
    }

    /** Writes {@code log(softmax(logits))} into {@code out} (which may be {@code logits}). */
    public static void logSoftmax(float[] logits, float[] out) {
        if (out.length < logits.length) {
            throw new IllegalArgumentException(
                    "out has " + out.length + " slots for " + logits.length + " logits");
        }
        double logNorm = logSumExp(logits);
        for (int i = 0; i < logits.length; i++) {
            out[i] = (float) (logits[i] - logNorm);
        }
    }

    private static double logSumExp(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0.0;
        for (float logit : logits) {
            sum += Math.exp(logit - max);
        }
        return max + Math.log(sum);
    }
}
