package jllm.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PenaltiesTest {

    private static SamplingOptions penalties(float repeat, int lastN, float presence, float frequency) {
        return SamplingOptions.greedy().withRepeatPenalty(repeat, lastN)
                .withPresencePenalty(presence).withFrequencyPenalty(frequency);
    }

    @Test
    void repetitionDividesPositiveAndMultipliesNegativeLogits() {
        float[] logits = {2f, -2f, 3f, 0f};
        new Penalties(penalties(2f, 64, 0f, 0f), 4).apply(logits, IntSequence.of(0, 1, 0, 3));
        assertThat(logits).containsExactly(1f, -4f, 3f, 0f);
    }

    @Test
    void presenceOncePerTokenFrequencyPerOccurrence() {
        float[] logits = {1f, 1f, 1f};
        new Penalties(penalties(1f, 64, 0.5f, 0.25f), 3).apply(logits, IntSequence.of(0, 0, 0, 1));
        assertThat(logits[0]).isCloseTo(1f - 3 * 0.25f - 0.5f, within(1e-6f));
        assertThat(logits[1]).isCloseTo(1f - 0.25f - 0.5f, within(1e-6f));
        assertThat(logits[2]).isEqualTo(1f);
    }

    @Test
    void onlyTheLastNTokensCount() {
        float[] logits = {4f, 4f, 4f};
        new Penalties(penalties(2f, 2, 0f, 0f), 3).apply(logits, IntSequence.of(0, 1, 2));
        assertThat(logits).containsExactly(4f, 2f, 2f);

        float[] all = {4f, 4f, 4f};
        new Penalties(penalties(2f, -1, 0f, 0f), 3).apply(all, IntSequence.of(0, 1, 2));
        assertThat(all).containsExactly(2f, 2f, 2f);

        float[] none = {4f, 4f, 4f};
        new Penalties(penalties(2f, 0, 1f, 1f), 3).apply(none, IntSequence.of(0, 1, 2));
        assertThat(none).containsExactly(4f, 4f, 4f);
    }

    @Test
    void repeatedCallsStartFromCleanCounts() {
        Penalties penalties = new Penalties(penalties(1f, 64, 0f, 1f), 2);
        float[] first = {0f, 0f};
        penalties.apply(first, IntSequence.of(0, 0));
        float[] second = {0f, 0f};
        penalties.apply(second, IntSequence.of(0));
        assertThat(first).containsExactly(-2f, 0f);
        assertThat(second).containsExactly(-1f, 0f);
    }
}
