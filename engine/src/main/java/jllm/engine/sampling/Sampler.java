package jllm.engine.sampling;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Picks the next token from a model's logits with llama.cpp's default sampler chain: penalties,
 * top-k, top-p, min-p, temperature, softmax, then a draw from a seeded generator (the same seed
 * gives the same sequence). A temperature {@code <= 0} picks the argmax after the penalties, the
 * lowest id on ties.
 *
 * <p>All buffers are sized to the vocabulary up front, so {@link #sample} does not allocate. One
 * instance serves one generation stream; it is not thread-safe.
 */
public final class Sampler {

    private final SamplingOptions options;
    private final int vocabSize;
    private final Penalties penalties;
    private final Candidates candidates;
    private final double[] weights;
    private SplittableRandom random;

    /** A sampler for logits of length {@code vocabSize}. */
    public Sampler(SamplingOptions options, int vocabSize) {
        this.options = Objects.requireNonNull(options, "options");
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabSize must be > 0, got " + vocabSize);
        }
        this.vocabSize = vocabSize;
        this.penalties = new Penalties(options, vocabSize);
        boolean sampling = !options.isGreedy();
        this.candidates = new Candidates(sampling ? vocabSize : 0);
        this.weights = new double[sampling ? vocabSize : 0];
        this.random = new SplittableRandom(options.seed());
    }

    /** The options this sampler was built with. */
    public SamplingOptions options() {
        return options;
    }

    /**
     * Picks the next token id.
     *
     * @param logits  raw logits of length {@code vocabSize}; penalties are applied in place
     * @param history the tokens so far (prompt and generated), for the penalties; may be empty
     */
    public int sample(float[] logits, IntSequence history) {
        if (logits.length != vocabSize) {
            throw new IllegalArgumentException(
                    "expected " + vocabSize + " logits, got " + logits.length);
        }
        penalties.apply(logits, history);
        if (options.isGreedy()) {
            return argmax(logits);
        }
        candidates.select(logits, options.topK(), options.topP(), options.minP());
        return draw(logits);
    }

    /** {@link #sample(float[], IntSequence)} with no history. */
    public int sample(float[] logits) {
        return sample(logits, IntSequence.empty());
    }

    /** Restarts the random generator from the seed, so the same inputs give the same draws. */
    public void reset() {
        random = new SplittableRandom(options.seed());
    }

    /** Softmax at the temperature over the kept candidates, then one draw. */
    private int draw(float[] logits) {
        int n = candidates.size();
        if (n == 1) {
            return candidates.id(0);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[candidates.id(i)]);
        }
        double invTemperature = 1.0 / options.temperature();
        double total = 0.0;
        for (int i = 0; i < n; i++) {
            double w = Math.exp((logits[candidates.id(i)] - max) * invTemperature);
            weights[i] = w;
            total += w;
        }
        double target = random.nextDouble() * total;
        double cumulative = 0.0;
        for (int i = 0; i < n; i++) {
            cumulative += weights[i];
            if (target < cumulative) {
                return candidates.id(i);
            }
        }
        for (int i = n - 1; i > 0; i--) { // rounding left target at the very top: last non-zero
            if (weights[i] > 0.0) {
                return candidates.id(i);
            }
        }
        return candidates.id(0);
    }

    /** Index of the largest logit; the lowest index among equal ones. */
    static int argmax(float[] logits) {
        int best = 0;
        float bestLogit = logits[0];
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > bestLogit) {
                bestLogit = logits[i];
                best = i;
            }
        }
        return best;
    }
}
