package jllm.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import jllm.kernels.Blas;
import jllm.kernels.MatMul;
import jllm.kernels.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The stories260K model reproduces llama.cpp token for token: the same 64 greedy ids for every
 * variant and prompt, and (F32) the same first-step logits to 1e-4.
 */
class StoriesFixtureTest {
    static JsonNode expected;
    static Parallel pool;

    @BeforeAll
    static void load() throws IOException {
        expected = new ObjectMapper().readTree(SharedFixtures.file("fixtures/stories260K/expected.json").toFile());
        pool = new Parallel(2);
    }

    @AfterAll
    static void close() {
        if (pool != null) {
            pool.close();
        }
    }

    /**
     * Q4_0 is held to 1e-6: its products follow llama.cpp's block order exactly (see
     * RowKernels.q4_0), and they must, because the "Once upon a time" prompt has activations within
     * a few ulps of a Q8_0 rounding tie, where any other order flips a code and the greedy ids part
     * at token 17. Q8_0 and F32 sum in a different order than llama.cpp and agree to about 1e-5.
     */
    @ParameterizedTest
    @CsvSource({"f32, stories260K-f32.gguf, 1e-4, AUTO", "q8_0, stories260K-q8_0.gguf, 1e-4, AUTO",
                "q4_0, stories260K-q4_0.gguf, 1e-6, AUTO", "f32, stories260K.bin, 1e-4, AUTO",
                "f32, stories260K-f32.gguf, 1e-4, VECTOR", "q8_0, stories260K-q8_0.gguf, 1e-4, VECTOR",
                "q4_0, stories260K-q4_0.gguf, 1e-6, VECTOR", "f32, stories260K-f32.gguf, 1e-4, BLAS"})
    void greedyIdsAndFirstLogitsMatchLlamaCpp(String variant, String file, double logitTolerance, MatMul.Backend backend)
            throws IOException {
        Path model = SharedFixtures.file("fixtures/stories260K/" + file);
        // BLAS: F32 prompt batches go to OpenBLAS's sgemm (quantized types need 64+ tokens for it).
        assumeTrue(backend != MatMul.Backend.BLAS || Blas.load().isPresent(), "OpenBLAS cannot be loaded here");
        try (Transformer t = Transformer.open(model, pool, backend)) {
            for (JsonNode run : expected.get("variants").get(variant).get("runs")) {
                int[] prompt = ints(run.get("prompt_ids"));
                int[] want = ints(run.get("generated_ids"));
                Session s = t.newSession(prompt.length + want.length, 32);
                float[] logits = s.forward(prompt, 0, prompt.length);
                JsonNode first = run.get("first_step_logits");
                double maxDiff = 0;
                for (int i = 0; i < first.size(); i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(logits[i] - first.get(i).asDouble()));
                }
                System.out.printf("%s %s %s '%s': max |first-step logit - llama.cpp| = %.2e%n", variant, file, backend,
                        run.get("prompt").asText(), maxDiff);
                assertThat(maxDiff).as("first-step logits of " + file).isLessThan(logitTolerance);
                int[] got = new int[want.length];
                for (int i = 0; i < want.length; i++) {
                    got[i] = argmax(logits);
                    logits = s.forward(got[i]);
                }
                assertThat(got).as(file + " greedy ids for '" + run.get("prompt").asText() + "'").containsExactly(want);
            }
        }
    }

    /**
     * {@code --backend blas} on the quantized files: their F32 matrix (the 172-wide feed-forward
     * output) goes to OpenBLAS's sgemm from two prompt rows on, and sgemm sums in the order of the
     * kernel OpenBLAS picks for the CPU. Near a Q8_0 rounding tie (the Q4_0 file's "Once upon a
     * time", see above) another order flips an activation code, so llama.cpp's ids are not
     * demanded here: they matched on earlier hosts and not on an AVX-512 one (first-step logits
     * 0.36 apart). The logits stay close to the vector backend's, and pick the same token; a wrong
     * product would move them by whole units.
     */
    @ParameterizedTest
    @CsvSource({"q8_0, stories260K-q8_0.gguf", "q4_0, stories260K-q4_0.gguf"})
    void quantizedFilesWithBlasStayCloseToTheVectorBackend(String variant, String file) throws IOException {
        assumeTrue(Blas.load().isPresent(), "OpenBLAS cannot be loaded here");
        Path model = SharedFixtures.file("fixtures/stories260K/" + file);
        try (Transformer vector = Transformer.open(model, pool, MatMul.Backend.VECTOR);
             Transformer blas = Transformer.open(model, pool, MatMul.Backend.BLAS)) {
            for (JsonNode run : expected.get("variants").get(variant).get("runs")) {
                int[] prompt = ints(run.get("prompt_ids"));
                float[] want = vector.newSession(prompt.length, 32).forward(prompt, 0, prompt.length).clone();
                float[] got = blas.newSession(prompt.length, 32).forward(prompt, 0, prompt.length);
                double maxDiff = 0;
                for (int i = 0; i < want.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
                }
                System.out.printf("%s BLAS vs VECTOR '%s': max |first-step logit difference| = %.2e%n", file,
                        run.get("prompt").asText(), maxDiff);
                assertThat(maxDiff).as(file + " '" + run.get("prompt").asText() + "'").isLessThan(1.0);
                assertThat(argmax(got)).isEqualTo(argmax(want));
            }
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
