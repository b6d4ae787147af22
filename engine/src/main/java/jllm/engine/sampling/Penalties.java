package jllm.engine.sampling;

/**
 * Repetition, presence and frequency penalties over the last N tokens, as llama.cpp's penalties
 * sampler applies them: for each distinct recent token with count c,
 * {@code logit = logit <= 0 ? logit * repeat : logit / repeat; logit -= c * frequency + presence}.
 * Reuses its buffers: no allocation per call.
 */
final class Penalties {

    private final float repeat;
    private final float presence;
    private final float frequency;
    private final int lastN;
    private final int[] counts;
    private final int[] touched;

    Penalties(SamplingOptions options, int vocabSize) {
        this.repeat = options.repeatPenalty();
        this.presence = options.presencePenalty();
        this.frequency = options.frequencyPenalty();
        this.lastN = options.repeatLastN();
        boolean active = options.penalizes();
        this.counts = new int[active ? vocabSize : 0];
        this.touched = new int[active ? vocabSize : 0];
    }

    /** Penalizes {@code logits} in place for the ids in the window of {@code history}. */
    void apply(float[] logits, IntSequence history) {
        if (counts.length == 0 || history == null) {
            return;
        }
        int end = history.length();
        int start = lastN < 0 ? 0 : Math.max(0, end - lastN);
        int distinct = 0;
        for (int i = start; i < end; i++) {
            int id = history.get(i);
            if (id < 0 || id >= counts.length) {
                continue; // not a vocabulary token (e.g. a padding id): nothing to penalize
            }
            if (counts[id]++ == 0) {
                touched[distinct++] = id;
            }
        }
        for (int i = 0; i < distinct; i++) {
            int id = touched[i];
            float logit = logits[id];
            logit = logit <= 0f ? logit * repeat : logit / repeat;
            logits[id] = logit - counts[id] * frequency - presence;
            counts[id] = 0;
        }
    }
}
