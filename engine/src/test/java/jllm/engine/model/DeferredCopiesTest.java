package jllm.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import jllm.kernels.Parallel;
import org.junit.jupiter.api.Test;

/**
 * The interleaved copies are made by the generated tokens, a few at a time once the 8-row kernels
 * run compiled, and change no result: decoding while they are being made gives the logits of
 * decoding with all of them made first.
 */
class DeferredCopiesTest {
    private static final Path MODEL = SharedFixtures.file("fixtures/stories260K/stories260K-q4_0.gguf");
    private static final int[] PROMPT = {1, 432, 499, 437, 346, 318, 447, 265};
    private static final int STEPS = 40;

    /** Calls copySome until every copy is made (the first calls warm the 8-row kernels up). */
    private static void copyAll(Transformer t) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!t.copiesDone() && System.nanoTime() < deadline) {
            t.copySome(1_000_000L);
        }
        assertThat(t.copiesDone()).as("every copy made within a minute").isTrue();
    }

    private static float[][] decode(Transformer t) {
        Session s = t.newSession(64, 16);
        s.forward(PROMPT, 0, PROMPT.length);
        float[][] logits = new float[STEPS][];
        for (int i = 0; i < STEPS; i++) {
            logits[i] = s.forward(300 + i).clone();
        }
        return logits;
    }

    @Test
    void copiesMadeWhileDecodingChangeNoLogits() throws IOException {
        float[][] spread, upfront;
        try (Parallel pool = new Parallel(2)) {
            try (Transformer t = Transformer.open(MODEL, pool)) {
                if (SharedFixtures.copiesExpected()) {
                    assertThat(KernelWarmup.toInterleave(t.weights())).as("Q4_0 matrices with copies").isNotEmpty();
                }
                Session s = t.newSession(64, 16);
                s.forward(PROMPT, 0, PROMPT.length);
                assertThat(t.copiesDone()).as("a prompt makes no copies")
                        .isEqualTo(KernelWarmup.toInterleave(t.weights()).isEmpty());
                spread = decode(t);   // generated tokens make copies as the 8-row kernels warm up
                copyAll(t);
            }
            try (Transformer t = Transformer.open(MODEL, pool)) {
                copyAll(t);
                upfront = decode(t);
            }
        }
        for (int i = 0; i < STEPS; i++) {
            assertThat(spread[i]).as("logits after generated token %d", i).containsExactly(upfront[i]);
        }
    }
}
