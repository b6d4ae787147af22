package jllm.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SamplingOptionsTest {

    @Test
    void defaultsMatchLlamaCpp() {
        SamplingOptions d = SamplingOptions.defaults();
        assertThat(d.temperature()).isEqualTo(0.8f);
        assertThat(d.topK()).isEqualTo(40);
        assertThat(d.topP()).isEqualTo(0.95f);
        assertThat(d.minP()).isEqualTo(0.05f);
        assertThat(d.repeatPenalty()).isEqualTo(1f);
        assertThat(d.repeatLastN()).isEqualTo(64);
        assertThat(d.presencePenalty()).isZero();
        assertThat(d.frequencyPenalty()).isZero();
        assertThat(d.isGreedy()).isFalse();
        assertThat(SamplingOptions.greedy().isGreedy()).isTrue();
        assertThat(d.withSeed(5).seed()).isEqualTo(5);
    }

    @Test
    void invalidOptionsNameTheFlag() {
        SamplingOptions d = SamplingOptions.defaults();
        assertThatThrownBy(() -> d.withTopP(1.5f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--top-p must be in (0, 1], got 1.5");
        assertThatThrownBy(() -> d.withTopP(0f)).hasMessageStartingWith("--top-p");
        assertThatThrownBy(() -> d.withTopK(-1)).hasMessageStartingWith("--top-k");
        assertThatThrownBy(() -> d.withMinP(-0.1f)).hasMessageStartingWith("--min-p");
        assertThatThrownBy(() -> d.withMinP(Float.NaN)).hasMessageStartingWith("--min-p");
        assertThatThrownBy(() -> d.withTemperature(Float.NaN)).hasMessageStartingWith("--temperature");
        assertThatThrownBy(() -> d.withRepeatPenalty(0f, 64)).hasMessageStartingWith("--repeat-penalty");
        assertThatThrownBy(() -> d.withRepeatPenalty(1f, -2)).hasMessageStartingWith("--repeat-last-n");
        assertThatThrownBy(() -> d.withPresencePenalty(Float.POSITIVE_INFINITY))
                .hasMessageStartingWith("--presence-penalty");
        assertThatThrownBy(() -> d.withFrequencyPenalty(Float.NaN))
                .hasMessageStartingWith("--frequency-penalty");
    }
}
