package jllm.engine;

import java.util.List;
import jllm.engine.sampling.TokenLogprob;

/**
 * The outcome of one generation.
 *
 * @param promptTokens     the prompt's token ids (as fed to the model)
 * @param tokens           the generated ids (without the end-of-text token)
 * @param text             the generated text (stop string excluded)
 * @param stopReason       why it ended
 * @param promptNanos      time to process the prompt (= time to first token's logits)
 * @param generationNanos  time spent generating after the prompt
 * @param topLogprobs      per generated token, the most likely alternatives (empty unless asked for)
 */
public record Generation(int[] promptTokens, int[] tokens, String text, StopReason stopReason, long promptNanos,
                         long generationNanos, List<List<TokenLogprob>> topLogprobs) {

    /** Prompt tokens per second. */
    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens.length * 1e9 / promptNanos;
    }

    /** Generated tokens per second (each after the first needs one forward pass). */
    public double tokensPerSecond() {
        return generationNanos == 0 ? 0 : tokens.length * 1e9 / generationNanos;
    }
}
