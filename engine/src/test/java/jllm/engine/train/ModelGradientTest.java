package jllm.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import jllm.engine.model.ModelConfig;
import jllm.kernels.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Whole two-layer models gradient-checked end to end: a few entries of every tensor against finite differences. */
class ModelGradientTest {
    static final Parallel POOL = new Parallel(2);
    static final int B = 2, T = 6;
    // every id of the 11-token vocabulary appears, so every embedding row gets a gradient
    static final int[] TOKENS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 3};
    static final int[] TARGETS = {1, 2, 3, -1, 5, 6, 7, 8, 9, 10, 0, 4};

    @AfterAll
    static void close() {
        POOL.close();
    }

    @Test
    void llamaWithGqaUntied() {
        check(TinyModels.llama(16, 4, 2, 24, 11, T), false, DropoutRates.NONE);
    }

    @Test
    void gpt2Tied() {
        check(TinyModels.gpt2(16, 2, 32, 11, T), true, DropoutRates.NONE);
    }

    @Test
    void qwen2WithBiasesAndNeoxRope() {
        check(TinyModels.qwen2(16, 4, 2, 24, 11, T), true, DropoutRates.NONE);
    }

    @Test
    void llamaWithDropoutEverywhere() {
        check(TinyModels.llama(16, 4, 2, 24, 11, T), true, DropoutRates.all(0.2f));
    }

    @Test
    void gpt2WithDropoutEverywhere() {
        check(TinyModels.gpt2(16, 2, 32, 11, T), false, DropoutRates.all(0.2f));
    }

    private static void check(ModelConfig c, boolean tied, DropoutRates dropout) {
        TrainableModel m = new TrainableModel(c, TinyModels.weights(c, 3, tied, 10f), B, T, POOL);
        m.setDropout(dropout, 77);
        long pass = 5;
        m.zeroGrad();
        double loss = m.forward(TOKENS, TARGETS, B, T, pass);
        assertThat(loss).isBetween(0.1, 20.0);
        m.backward(1f);
        List<Parameter> ps = m.parameters();
        assertThat(ps).extracting(Parameter::name).contains("blk.1.ffn_down.weight", "output_norm.weight");
        int seed = 0;
        for (Parameter p : ps) {
            float[] grad = p.grad().clone();
            // a key bias adds the same q.b to every score of a row: softmax ignores it, its gradient is 0
            GradCheck.check(p.name(), p.values(), grad, () -> m.forward(TOKENS, TARGETS, B, T, pass), 6, seed++,
                    1e-2f, 3e-2, 2e-4, !p.name().endsWith("attn_k.bias"));
        }
    }

    @Test
    void frozenParametersGetNoGradientAndOthersAreUnchanged() {
        ModelConfig c = TinyModels.llama(16, 4, 2, 24, 11, T);
        TrainableModel m = new TrainableModel(c, TinyModels.weights(c, 3, false, 10f), B, T, POOL);
        m.zeroGrad();
        m.forward(TOKENS, TARGETS, B, T, 0);
        m.backward(1f);
        float[] full = m.parameter("blk.1.attn_q.weight").grad().clone();
        m.freeze(name -> !name.startsWith("blk.1."));
        m.zeroGrad();
        m.forward(TOKENS, TARGETS, B, T, 0);
        m.backward(1f);
        assertThat(m.parameter("blk.1.attn_q.weight").grad()).containsExactly(full);
        for (Parameter p : m.parameters()) {
            if (!p.name().startsWith("blk.1.")) {
                assertThat(p.frozen()).isTrue();
                for (float g : p.grad()) {
                    assertThat(g).as(p.name()).isZero();
                }
            }
        }
    }

    @Test
    void attachedLowRankExtensionIsTrainedAndGradientChecked() {
        ModelConfig c = TinyModels.gpt2(16, 2, 32, 11, T);
        TrainableModel m = new TrainableModel(c, TinyModels.weights(c, 4, true, 10f), B, T, POOL);
        LowRank lora = new LowRank("blk.0.attn_q.weight", 16, 16, 2, new SplittableRandom(9));
        m.attach(lora);
        m.freeze(name -> true);
        m.zeroGrad();
        m.forward(TOKENS, TARGETS, B, T, 0);
        m.backward(1f);
        assertThat(m.parameters()).contains(lora.a, lora.b);
        for (Parameter p : List.of(lora.a, lora.b)) {
            GradCheck.check(p.name(), p.values(), p.grad().clone(), () -> m.forward(TOKENS, TARGETS, B, T, 0), 16, 1,
                    1e-2f, 3e-2, 2e-4);
        }
    }

    /** A minimal LoRA: y += (x A^T) B^T on one weight. */
    static final class LowRank implements Extension {
        final String target;
        final Parameter a, b;
        final int rank;

        LowRank(String target, int in, int out, int rank, SplittableRandom rng) {
            this.target = target;
            this.rank = rank;
            a = new Parameter("lora_a", new long[] {in, rank}, GradCheck.random(rng, in * rank, 0.5));
            b = new Parameter("lora_b", new long[] {rank, out}, GradCheck.random(rng, rank * out, 0.5));
        }

        @Override
        public List<Parameter> parameters() {
            return List.of(a, b);
        }

        @Override
        public void forward(String weight, float[] x, float[] y, int rows, int in, int out) {
            if (!weight.equals(target)) {
                return;
            }
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < rank; j++) {
                    float h = 0;
                    for (int i = 0; i < in; i++) {
                        h += x[r * in + i] * a.values()[j * in + i];
                    }
                    for (int o = 0; o < out; o++) {
                        y[r * out + o] += h * b.values()[o * rank + j];
                    }
                }
            }
        }

        @Override
        public void backward(String weight, float[] x, float[] dy, float[] dx, int rows, int in, int out) {
            if (!weight.equals(target)) {
                return;
            }
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < rank; j++) {
                    float h = 0, dh = 0;
                    for (int i = 0; i < in; i++) {
                        h += x[r * in + i] * a.values()[j * in + i];
                    }
                    for (int o = 0; o < out; o++) {
                        dh += dy[r * out + o] * b.values()[o * rank + j];
                        b.grad()[o * rank + j] += dy[r * out + o] * h;
                    }
                    for (int i = 0; i < in; i++) {
                        a.grad()[j * in + i] += dh * x[r * in + i];
                        dx[r * in + i] += dh * a.values()[j * in + i];
                    }
                }
            }
        }
    }
}
