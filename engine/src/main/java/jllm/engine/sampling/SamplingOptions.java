package jllm.engine.sampling;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How the next token is chosen from the logits, with llama.cpp's meanings and defaults.
 *
 * @param temperature      softmax temperature; {@code <= 0} means greedy (argmax after penalties)
 * @param topK             keep the {@code topK} most likely tokens; {@code 0} disables
 * @param topP             nucleus sampling: keep the smallest prefix whose probability reaches
 *                         {@code topP}, in (0, 1]; {@code 1} disables
 * @param minP             drop tokens whose probability is below {@code minP} times the top one's,
 *                         in [0, 1]; {@code 0} disables
 * @param repeatPenalty    divides positive (multiplies non-positive) logits of recent tokens;
 *                         {@code 1} disables
 * @param repeatLastN      how many recent tokens the penalties look at; {@code 0} disables,
 *                         {@code -1} means the whole history
 * @param presencePenalty  subtracted once from the logit of every recent token
 * @param frequencyPenalty subtracted from a recent token's logit once per occurrence
 * @param seed             random seed: the same seed gives the same draws
 */
public record SamplingOptions(float temperature, int topK, float topP, float minP,
        float repeatPenalty, int repeatLastN, float presencePenalty, float frequencyPenalty,
        long seed) {

    /** Validates every option; the message names the CLI flag. */
    public SamplingOptions {
        requireFinite("--temperature", temperature);
        if (topK < 0) {
            throw new IllegalArgumentException("--top-k must be >= 0 (0 = off), got " + topK);
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0f && minP <= 1f)) {
            throw new IllegalArgumentException("--min-p must be in [0, 1], got " + minP);
        }
        if (!(repeatPenalty > 0f) || Float.isInfinite(repeatPenalty)) {
            throw new IllegalArgumentException(
                    "--repeat-penalty must be > 0 (1 = off), got " + repeatPenalty);
        }
        if (repeatLastN < -1) {
            throw new IllegalArgumentException(
                    "--repeat-last-n must be >= -1 (0 = off, -1 = whole history), got " + repeatLastN);
        }
        requireFinite("--presence-penalty", presencePenalty);
        requireFinite("--frequency-penalty", frequencyPenalty);
    }

    /** Always the most likely token (temperature 0, no penalties). */
    public static SamplingOptions greedy() {
        return new SamplingOptions(0f, 0, 1f, 0f, 1f, 64, 0f, 0f, 0L);
    }

    /**
     * llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, penalties off
     * (last-n 64), and a random seed (read it back with {@link #seed()} to reproduce a run).
     */
    public static SamplingOptions defaults() {
        return new SamplingOptions(0.8f, 40, 0.95f, 0.05f, 1f, 64, 0f, 0f,
                ThreadLocalRandom.current().nextLong());
    }

    public SamplingOptions withTemperature(float value) {
        return new SamplingOptions(value, topK, topP, minP, repeatPenalty, repeatLastN,
                presencePenalty, frequencyPenalty, seed);
    }

    public SamplingOptions withTopK(int value) {
        return new SamplingOptions(temperature, value, topP, minP, repeatPenalty, repeatLastN,
                presencePenalty, frequencyPenalty, seed);
    }

    public SamplingOptions withTopP(float value) {
        return new SamplingOptions(temperature, topK, value, minP, repeatPenalty, repeatLastN,
                presencePenalty, frequencyPenalty, seed);
    }

    public SamplingOptions withMinP(float value) {
        return new SamplingOptions(temperature, topK, topP, value, repeatPenalty, repeatLastN,
                presencePenalty, frequencyPenalty, seed);
    }

    /** Sets the repetition penalty and how many recent tokens the penalties consider. */
    public SamplingOptions withRepeatPenalty(float value, int lastN) {
        return new SamplingOptions(temperature, topK, topP, minP, value, lastN,
                presencePenalty, frequencyPenalty, seed);
    }

    public SamplingOptions withPresencePenalty(float value) {
        return new SamplingOptions(temperature, topK, topP, minP, repeatPenalty, repeatLastN,
                value, frequencyPenalty, seed);
    }

    public SamplingOptions withFrequencyPenalty(float value) {
        return new SamplingOptions(temperature, topK, topP, minP, repeatPenalty, repeatLastN,
                presencePenalty, value, seed);
    }

    public SamplingOptions withSeed(long value) {
        return new SamplingOptions(temperature, topK, topP, minP, repeatPenalty, repeatLastN,
                presencePenalty, frequencyPenalty, value);
    }

    /** True when sampling reduces to argmax. */
    public boolean isGreedy() {
        return temperature <= 0f;
    }

    /** True when any of the three penalties would change a logit. */
    boolean penalizes() {
        return repeatLastN != 0
                && (repeatPenalty != 1f || presencePenalty != 0f || frequencyPenalty != 0f);
    }

    private static void requireFinite(String flag, float value) {
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException(flag + " must be a finite number, got " + value);
        }
    }
}
