package jllm.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jllm.kernels.Parallel;
import org.junit.jupiter.api.Test;

/** A float16 KV cache changes logits only by half-precision rounding, and context shifts work with it. */
class KvCacheTest {
    @Test
    void f16CacheStaysCloseToF32AndKeepsGreedyTokens() throws Exception {
        JsonNode run = new ObjectMapper().readTree(SharedFixtures.file("fixtures/stories260K/expected.json").toFile())
                .get("variants").get("f32").get("runs").get(0);
        int[] prompt = StoriesFixtureTest.ints(run.get("prompt_ids"));
        try (Parallel pool = new Parallel(2);
             Transformer t = Transformer.open(SharedFixtures.file("fixtures/stories260K/stories260K-f32.gguf"), pool)) {
            float[] exact = t.newSession(64, 16, false).forward(prompt, 0, prompt.length).clone();
            Session half = t.newSession(64, 16, true);
            float[] approx = half.forward(prompt, 0, prompt.length);
            double max = 0;
            for (int i = 0; i < exact.length; i++) {
                max = Math.max(max, Math.abs(exact[i] - approx[i]));
            }
            assertThat(max).isGreaterThan(0).isLessThan(0.05);
            int[] want = StoriesFixtureTest.ints(run.get("generated_ids"));
            int same = 0;
            float[] logits = approx;
            for (int i = 0; i < 16; i++) {
                int id = StoriesFixtureTest.argmax(logits);
                same += id == want[i] ? 1 : 0;
                logits = half.forward(id);
            }
            assertThat(same).isGreaterThanOrEqualTo(12);
            // Shifting keeps the cache consistent: position drops and decoding goes on.
            half.shift(1, 10);
            assertThat(half.position()).isEqualTo(prompt.length + 16 - 10);
            assertThat(half.forward(1)).hasSize(512);
        }
    }
}
