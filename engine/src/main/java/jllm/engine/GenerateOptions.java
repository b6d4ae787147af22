package jllm.engine;

import java.util.List;
import jllm.engine.sampling.SamplingOptions;

/**
 * What to generate and when to stop.
 *
 * @param maxTokens     the most tokens to generate; -1 for no limit other than the context
 * @param sampling      how to pick each token
 * @param stop          strings that end generation (not included in the output)
 * @param ignoreEos     keep going past end-of-generation tokens
 * @param topLogprobs   for each generated token, also report this many most likely alternatives (0 = none)
 * @param contextShift  when the context is full, drop the oldest half (after the first token) instead of stopping
 * @param addSpecial    add BOS (and EOS if the vocabulary says so) to the prompt
 * @param parseSpecial  recognise control tokens written as text in the prompt (chat templates need this)
 */
public record GenerateOptions(int maxTokens, SamplingOptions sampling, List<String> stop, boolean ignoreEos,
                              int topLogprobs, boolean contextShift, boolean addSpecial, boolean parseSpecial) {
    public GenerateOptions {
        if (maxTokens < -1) {
            throw new IllegalArgumentException("-n must be -1 (no limit) or a count, got " + maxTokens);
        }
        if (topLogprobs < 0 || topLogprobs > 100) {
            throw new IllegalArgumentException("--top-logprobs must be in 0..100, got " + topLogprobs);
        }
        stop = List.copyOf(stop);
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("a stop string cannot be empty");
            }
        }
    }

    /** Greedy decoding of up to {@code maxTokens} tokens, stopping at EOS. */
    public static GenerateOptions greedy(int maxTokens) {
        return new GenerateOptions(maxTokens, SamplingOptions.greedy(), List.of(), false, 0, false, true, false);
    }

    public GenerateOptions withSampling(SamplingOptions s) {
        return new GenerateOptions(maxTokens, s, stop, ignoreEos, topLogprobs, contextShift, addSpecial, parseSpecial);
    }

    public GenerateOptions withMaxTokens(int n) {
        return new GenerateOptions(n, sampling, stop, ignoreEos, topLogprobs, contextShift, addSpecial, parseSpecial);
    }

    public GenerateOptions withStop(List<String> s) {
        return new GenerateOptions(maxTokens, sampling, s, ignoreEos, topLogprobs, contextShift, addSpecial, parseSpecial);
    }

    public GenerateOptions withIgnoreEos(boolean b) {
        return new GenerateOptions(maxTokens, sampling, stop, b, topLogprobs, contextShift, addSpecial, parseSpecial);
    }

    public GenerateOptions withTopLogprobs(int k) {
        return new GenerateOptions(maxTokens, sampling, stop, ignoreEos, k, contextShift, addSpecial, parseSpecial);
    }

    public GenerateOptions withContextShift(boolean b) {
        return new GenerateOptions(maxTokens, sampling, stop, ignoreEos, topLogprobs, b, addSpecial, parseSpecial);
    }

    public GenerateOptions withSpecial(boolean add, boolean parse) {
        return new GenerateOptions(maxTokens, sampling, stop, ignoreEos, topLogprobs, contextShift, add, parse);
    }
}
