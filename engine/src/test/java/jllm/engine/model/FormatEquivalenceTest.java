package jllm.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import jllm.engine.model.ModelConfig.Architecture;
import jllm.engine.model.ModelConfig.Mlp;
import jllm.engine.model.ModelConfig.Norm;
import jllm.engine.model.ModelConfig.Rope;
import jllm.formats.GgmlType;
import jllm.kernels.Parallel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same random weights written as GGUF (llama.cpp conventions: permuted Q/K for adjacent RoPE,
 * fused GPT-2 QKV) and as Hugging Face safetensors (rotate-half order, Conv1D transposes) give the
 * same logits: proof that both loaders map names and conventions correctly.
 */
class FormatEquivalenceTest {
    @TempDir
    Path tmp;

    static ModelConfig llama(int kvHeads) {
        return new ModelConfig(Architecture.LLAMA, 64, 2, 4, kvHeads, 16, 96, 80, 64, Norm.RMS, 1e-5f, Rope.ADJACENT, 16,
                10000f, 1f, null, Mlp.SWIGLU, false, false);
    }

    @Test
    void llamaWithGqaUntied() throws IOException {
        check(llama(2), false);
    }

    @Test
    void llamaTiedMultiHead() throws IOException {
        check(llama(4), true);
    }

    @Test
    void qwen2WithQkvBiases() throws IOException {
        check(new ModelConfig(Architecture.QWEN2, 64, 2, 4, 2, 16, 96, 80, 64, Norm.RMS, 1e-6f, Rope.NEOX, 16, 1e6f, 1f,
                null, Mlp.SWIGLU, true, false), true);
    }

    @Test
    void gpt2() throws IOException {
        check(new ModelConfig(Architecture.GPT2, 64, 2, 4, 4, 16, 256, 80, 32, Norm.LAYER, 1e-5f, Rope.NONE, 0, 0f, 1f,
                null, Mlp.GELU, false, true), true);
    }

    private void check(ModelConfig c, boolean tied) throws IOException {
        Map<String, NamedTensor> w = ModelInit.random(c, 42, tied, true);
        // Larger weights than the init default so that logits differ visibly between positions.
        w.values().forEach(t -> {
            if (t.shape().length == 2) {
                for (int i = 0; i < t.values().length; i++) {
                    t.values()[i] *= 10;
                }
            }
        });
        Path gguf = tmp.resolve("m.gguf");
        Path hf = tmp.resolve("hf");
        ModelExporter.writeGguf(gguf, c, w.values(), GgmlType.F32, Map.of());
        ModelExporter.writeHuggingFace(hf, c, w.values());
        int[] tokens = {1, 7, 33, 79, 0, 5, 5, 12, 40};
        try (Parallel pool = new Parallel(2);
             Transformer a = Transformer.open(gguf, pool);
             Transformer b = Transformer.open(hf, pool)) {
            assertThat(b.config().architecture()).isEqualTo(c.architecture());
            Session sa = a.newSession(32, 4);
            Session sb = b.newSession(32, 16);
            float[] la = sa.forward(tokens, 0, tokens.length).clone();
            float[] lb = sb.forward(tokens, 0, tokens.length).clone();
            assertThat(maxDiff(la, lb)).as("GGUF vs HF logits").isLessThan(1e-4);
            assertThat(spread(la)).as("logits must not be degenerate").isGreaterThan(0.05);
            // Token by token gives the same as one batch.
            Session one = a.newSession(32, 1);
            float[] lt = null;
            for (int t : tokens) {
                lt = one.forward(t);
            }
            assertThat(maxDiff(la, lt)).as("batched vs one at a time").isLessThan(1e-4);
        }
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double spread(float[] a) {
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        for (float v : a) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        return hi - lo;
    }
}
