package jllm.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import jllm.engine.model.ModelConfig;
import jllm.engine.model.ModelExporter;
import jllm.engine.model.NamedTensor;
import jllm.engine.model.Session;
import jllm.engine.model.Transformer;
import jllm.formats.GgmlType;
import jllm.kernels.Parallel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainable model in eval mode gives the inference engine's logits on the same weights written as GGUF. */
class InferenceEquivalenceTest {
    @TempDir
    Path tmp;

    @Test
    void llamaGqaUntied() throws IOException {
        check(TinyModels.llama(32, 4, 2, 48, 40, 16), false);
    }

    @Test
    void llamaTied() throws IOException {
        check(TinyModels.llama(32, 4, 4, 48, 40, 16), true);
    }

    @Test
    void qwen2() throws IOException {
        check(TinyModels.qwen2(32, 4, 2, 48, 40, 16), true);
    }

    @Test
    void gpt2() throws IOException {
        check(TinyModels.gpt2(32, 4, 128, 40, 16), true);
    }

    private void check(ModelConfig c, boolean tied) throws IOException {
        Map<String, NamedTensor> w = TinyModels.weights(c, 11, tied, 10f);
        int[] tokens = {1, 7, 33, 39, 0, 5, 5, 12, 20};
        try (Parallel pool = new Parallel(2)) {
            TrainableModel m = new TrainableModel(c, w, 1, 16, pool);
            Path gguf = tmp.resolve("m.gguf");
            ModelExporter.writeGguf(gguf, c, m.tensors(), GgmlType.F32, Map.of());
            try (Transformer t = Transformer.open(gguf, pool)) {
                Session s = t.newSession(16, 16);
                for (int count : new int[] {1, 4, tokens.length}) {
                    s.reset();
                    float[] expected = s.forward(tokens, 0, count).clone();
                    float[] actual = m.logits(tokens, count);
                    double maxDiff = 0, spread = 0;
                    for (int i = 0; i < expected.length; i++) {
                        maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
                        spread = Math.max(spread, Math.abs(expected[i] - expected[0]));
                    }
                    assertThat(maxDiff).as("logits after %d tokens", count).isLessThan(1e-4);
                    assertThat(spread).as("logits must not be degenerate").isGreaterThan(0.05);
                }
            }
        }
    }
}
