package jllm.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TopLogprobsTest {

    @Test
    void bestFirstWithLogProbabilities() {
        float[] logits = {(float) Math.log(0.1), (float) Math.log(0.6), (float) Math.log(0.3)};
        List<TokenLogprob> top = TopLogprobs.of(logits, 2);
        assertThat(top).extracting(TokenLogprob::id).containsExactly(1, 2);
        assertThat(top.get(0).logprob()).isCloseTo((float) Math.log(0.6), within(1e-6f));
        assertThat(top.get(1).logprob()).isCloseTo((float) Math.log(0.3), within(1e-6f));
        assertThat(TopLogprobs.of(logits, 10)).hasSize(3);
        assertThat(TopLogprobs.of(logits, 0)).isEmpty();
    }

    @Test
    void matchesAFullSortOnALargeVocabulary() {
        SplittableRandom r = new SplittableRandom(3);
        float[] logits = new float[5000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) r.nextGaussian();
        }
        logits[17] = logits[4000] = 9f; // a tie: the lower id comes first
        float[] logProbs = new float[logits.length];
        TopLogprobs.logSoftmax(logits, logProbs);
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        List<TokenLogprob> top = TopLogprobs.of(logits, 20);
        for (int i = 0; i < 20; i++) {
            assertThat(top.get(i).id()).isEqualTo(order[i]);
            assertThat(top.get(i).logprob()).isCloseTo(logProbs[order[i]], within(1e-6f));
        }
        assertThat(top.get(0).id()).isEqualTo(17);
        double total = 0;
        for (float lp : logProbs) {
            total += Math.exp(lp);
        }
        assertThat(total).isCloseTo(1.0, within(1e-4));
    }
}
