package jllm.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static float[] randomLogits(int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) (r.nextGaussian() * 3.0);
        }
        return logits;
    }

    private static int[] run(SamplingOptions options, int steps) {
        Sampler sampler = new Sampler(options, 1000);
        int[] out = new int[steps];
        for (int i = 0; i < steps; i++) {
            out[i] = sampler.sample(randomLogits(1000, i), IntSequence.of(out, i));
        }
        return out;
    }

    @Test
    void greedyIsArgmaxWithLowestIdOnTies() {
        Sampler sampler = new Sampler(SamplingOptions.greedy(), 5);
        assertThat(sampler.sample(new float[] {1f, 3f, -2f, 3f, 0f})).isEqualTo(1);
        for (int seed = 0; seed < 20; seed++) {
            float[] logits = randomLogits(1000, seed);
            int expected = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[expected]) {
                    expected = i;
                }
            }
            assertThat(new Sampler(SamplingOptions.greedy(), 1000).sample(logits)).isEqualTo(expected);
        }
    }

    @Test
    void sameSeedSameSequenceDifferentSeedDifferent() {
        SamplingOptions options = SamplingOptions.defaults().withTemperature(1.5f).withTopK(0)
                .withMinP(0f).withTopP(1f).withSeed(42);
        int[] a = run(options, 200);
        int[] b = run(options, 200);
        int[] c = run(options.withSeed(43), 200);
        assertThat(a).isEqualTo(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void resetRestartsTheGenerator() {
        SamplingOptions options = SamplingOptions.defaults().withTemperature(2f).withTopK(0)
                .withMinP(0f).withSeed(7);
        Sampler sampler = new Sampler(options, 1000);
        int[] first = new int[50];
        for (int i = 0; i < 50; i++) {
            first[i] = sampler.sample(randomLogits(1000, i));
        }
        sampler.reset();
        for (int i = 0; i < 50; i++) {
            assertThat(sampler.sample(randomLogits(1000, i))).isEqualTo(first[i]);
        }
    }

    @Test
    void topKOneAndTinyTopPAreGreedy() {
        for (int seed = 0; seed < 30; seed++) {
            float[] logits = randomLogits(1000, seed);
            int greedy = new Sampler(SamplingOptions.greedy(), 1000).sample(logits.clone());
            SamplingOptions hot = SamplingOptions.defaults().withTemperature(5f).withMinP(0f).withSeed(seed);
            assertThat(new Sampler(hot.withTopK(1), 1000).sample(logits.clone())).isEqualTo(greedy);
            assertThat(new Sampler(hot.withTopK(0).withTopP(1e-6f), 1000).sample(logits.clone()))
                    .isEqualTo(greedy);
            assertThat(new Sampler(hot.withTopP(1e-6f), 1000).sample(logits.clone())).isEqualTo(greedy);
        }
    }

    @Test
    void topKRestrictsToTheKBest() {
        float[] logits = {0f, 5f, 4f, 3f, 2f, 1f};
        Sampler sampler = new Sampler(SamplingOptions.defaults().withTemperature(100f).withTopK(3)
                .withTopP(1f).withMinP(0f).withSeed(1), logits.length);
        boolean[] seen = new boolean[logits.length];
        for (int i = 0; i < 2000; i++) {
            seen[sampler.sample(logits.clone())] = true;
        }
        assertThat(seen).containsExactly(false, true, true, true, false, false);
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        // probabilities 0.5, 0.3, 0.2: top-p 0.7 keeps {0, 1}; 0.8 keeps all three (0.5+0.3 = 0.8 reaches it)
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        assertThat(support(logits, SamplingOptions.defaults().withTopK(0).withMinP(0f).withTopP(0.7f)))
                .containsExactly(true, true, false);
        assertThat(support(logits, SamplingOptions.defaults().withTopK(0).withMinP(0f).withTopP(0.85f)))
                .containsExactly(true, true, true);
        assertThat(support(logits, SamplingOptions.defaults().withTopK(2).withMinP(0f).withTopP(0.6f)))
                .as("top-p after top-k normalizes over the k kept: 0.5/0.8 >= 0.6")
                .containsExactly(true, false, false);
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheBest() {
        // probabilities relative to the best: 1, 0.5, 0.2, 0.04
        float[] logits = {0f, (float) Math.log(0.5), (float) Math.log(0.2), (float) Math.log(0.04)};
        assertThat(support(logits, SamplingOptions.defaults().withTopK(0).withTopP(1f).withMinP(0.3f)))
                .containsExactly(true, true, false, false);
        assertThat(support(logits, SamplingOptions.defaults().withTopK(40).withTopP(1f).withMinP(0.1f)))
                .containsExactly(true, true, true, false);
        assertThat(support(logits, SamplingOptions.defaults().withTopK(0).withTopP(1f).withMinP(0f)))
                .containsExactly(true, true, true, true);
    }

    private static boolean[] support(float[] logits, SamplingOptions options) {
        Sampler sampler = new Sampler(options.withTemperature(3f).withSeed(5), logits.length);
        boolean[] seen = new boolean[logits.length];
        for (int i = 0; i < 5000; i++) {
            seen[sampler.sample(logits.clone())] = true;
        }
        return seen;
    }

    @Test
    void temperatureShapesTheDistribution() {
        double[] p = {0.1, 0.2, 0.3, 0.4};
        float[] logits = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            logits[i] = (float) Math.log(p[i]);
        }
        for (float temperature : new float[] {1f, 2f, 0.5f}) {
            double[] expected = new double[p.length];
            double sum = 0;
            for (int i = 0; i < p.length; i++) {
                expected[i] = Math.pow(p[i], 1.0 / temperature);
                sum += expected[i];
            }
            Sampler sampler = new Sampler(SamplingOptions.defaults().withTopK(0).withTopP(1f).withMinP(0f)
                    .withTemperature(temperature).withSeed(1234), p.length);
            int draws = 40_000;
            int[] counts = new int[p.length];
            for (int i = 0; i < draws; i++) {
                counts[sampler.sample(logits.clone())]++;
            }
            double chiSquare = 0;
            for (int i = 0; i < p.length; i++) {
                double e = draws * expected[i] / sum;
                chiSquare += (counts[i] - e) * (counts[i] - e) / e;
            }
            assertThat(chiSquare).as("chi-square (3 dof) at temperature %s", temperature)
                    .isLessThan(16.27); // p = 0.001
        }
    }

    @Test
    void zeroTemperatureAppliesPenaltiesFirst() {
        float[] logits = {2f, 1.9f, -1f};
        SamplingOptions options = SamplingOptions.greedy().withRepeatPenalty(1.2f, 64);
        assertThat(new Sampler(options, 3).sample(logits.clone(), IntSequence.of(0))).isEqualTo(1);
        assertThat(new Sampler(options, 3).sample(logits.clone(), IntSequence.empty())).isEqualTo(0);
    }

    @Test
    void sampleRejectsWrongLength() {
        assertThatThrownBy(() -> new Sampler(SamplingOptions.greedy(), 4).sample(new float[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 4 logits");
    }

    @Test
    void doesNotAllocatePerCall() {
        com.sun.management.ThreadMXBean bean =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int vocab = 32_000;
        float[] source = randomLogits(vocab, 99);
        float[] logits = new float[vocab];
        int[] history = new int[2000];
        SamplingOptions[] configs = {
                SamplingOptions.defaults().withSeed(3).withRepeatPenalty(1.1f, 64)
                        .withPresencePenalty(0.5f).withFrequencyPenalty(0.2f),
                SamplingOptions.defaults().withSeed(3).withTopK(0),
                SamplingOptions.greedy().withRepeatPenalty(1.3f, 64),
        };
        for (SamplingOptions options : configs) {
            Sampler sampler = new Sampler(options, vocab);
            IntSequence seq = IntSequence.of(history, history.length);
            for (int warm = 0; warm < 200; warm++) { // let the JIT settle first
                System.arraycopy(source, 0, logits, 0, vocab);
                sampler.sample(logits, seq);
            }
            long before = bean.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 1000; i++) {
                System.arraycopy(source, 0, logits, 0, vocab);
                history[i] = sampler.sample(logits, seq);
            }
            long allocated = bean.getCurrentThreadAllocatedBytes() - before;
            assertThat(allocated).as("bytes allocated by 1000 samples with %s", options)
                    .isLessThan(64 * 1024);
        }
    }
}
