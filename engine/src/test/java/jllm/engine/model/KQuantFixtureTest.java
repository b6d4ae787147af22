package jllm.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jllm.engine.tokenizer.Tokenizer;
import jllm.kernels.Parallel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The K-quant fixture (random LLaMA with the Llama-2 vocabulary, Q4_K_M and Q6_K mixes) against
 * llama.cpp: the same prompt ids, first-step logits, and greedy ids.
 */
class KQuantFixtureTest {
    @ParameterizedTest
    @ValueSource(strings = {"q4_k_m", "q6_k"})
    void matchesLlamaCpp(String variant) throws Exception {
        JsonNode v = new ObjectMapper().readTree(SharedFixtures.file("fixtures/quants/kquant-model-expected.json").toFile())
                .get("variants").get(variant);
        java.nio.file.Path file = SharedFixtures.file("fixtures/quants/kquant-" + variant + ".gguf");
        Tokenizer tok = Tokenizer.load(file);
        try (Parallel pool = new Parallel(2); Transformer t = Transformer.open(file, pool)) {
            for (JsonNode run : v.get("runs")) {
                int[] prompt = tok.encode(run.get("prompt").asText(), true, false);
                assertThat(prompt).containsExactly(StoriesFixtureTest.ints(run.get("prompt_ids")));
                int[] want = StoriesFixtureTest.ints(run.get("generated_ids"));
                Session s = t.newSession(prompt.length + want.length, 32);
                float[] logits = s.forward(prompt, 0, prompt.length);
                JsonNode first = run.get("first_step_logits");
                double max = 0;
                for (int i = 0; i < first.size(); i++) {
                    max = Math.max(max, Math.abs(logits[i] - first.get(i).asDouble()));
                }
                System.out.printf("%s '%s': max |first-step logit - llama.cpp| = %.2e%n", variant,
                        run.get("prompt").asText(), max);
                assertThat(max).isLessThan(1e-5);
                for (int i = 0; i < want.length; i++) {
                    int id = StoriesFixtureTest.argmax(logits);
                    assertThat(id).as("%s step %d", variant, i).isEqualTo(want[i]);
                    logits = s.forward(id);
                }
            }
        }
    }
}
