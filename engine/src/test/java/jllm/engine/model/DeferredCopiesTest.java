package jllm.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import jllm.kernels.Parallel;
import org.junit.jupiter.api.Test;

/**
 * The interleaved copies are made by the generated tokens, a few at a time, and change no result:
 * decoding while they are being made gives the logits of decoding with all of them made first.
 */
class DeferredCopiesTest {
    @Test
    void generatedTokensMakeTheCopiesWithoutChangingLogits() throws IOException {
        Path model = SharedFixtures.file("fixtures/stories260K/stories260K-q4_0.gguf");
        int[] prompt = {1, 432, 499, 437, 346, 318, 447, 265};
        int steps = 12;
        float[][] spread = new float[steps][], upfront = new float[steps][];
        try (Parallel pool = new Parallel(2)) {
            try (Transformer t = Transformer.open(model, pool)) {
                boolean any = !KernelWarmup.toInterleave(t.weights()).isEmpty();
                if (!jllm.kernels.MatMul.backend().equals("scalar")) {
                    assertThat(any).as("Q4_0 matrices with copies (256-bit vectors)").isTrue();
                }
                Session s = t.newSession(64, 16);
                s.forward(prompt, 0, prompt.length);
                assertThat(t.copiesDone()).as("a prompt makes no copies").isEqualTo(!any);
                int token = 300;
                for (int i = 0; i < steps; i++) {
                    spread[i] = s.forward(token + i).clone();
                }
                assertThat(t.copiesDone()).as("generated tokens made every copy").isTrue();
            }
            try (Transformer t = Transformer.open(model, pool)) {
                t.copySome(Long.MAX_VALUE);
                assertThat(t.copiesDone()).isTrue();
                Session s = t.newSession(64, 16);
                s.forward(prompt, 0, prompt.length);
                int token = 300;
                for (int i = 0; i < steps; i++) {
                    upfront[i] = s.forward(token + i).clone();
                }
            }
        }
        for (int i = 0; i < steps; i++) {
            assertThat(spread[i]).as("logits after generated token %d", i).containsExactly(upfront[i]);
        }
    }
}
