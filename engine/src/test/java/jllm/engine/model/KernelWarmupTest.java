package jllm.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import jllm.kernels.Parallel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The background warm-up runs, interleaves Q4_0 matrices, gives way to the first forward pass, and
 * changes no result (a prompt over partly interleaved weights gives the cold logits bit for bit).
 */
class KernelWarmupTest {
    private String warmupBefore;

    @BeforeEach
    void saveWarmupProperty() {
        warmupBefore = System.getProperty("jllm.warmup");
    }

    @AfterEach
    void restoreWarmupProperty() {
        if (warmupBefore == null) {
            System.clearProperty("jllm.warmup");
        } else {
            System.setProperty("jllm.warmup", warmupBefore);
        }
    }

    /** A forward pass that starts while the warm-up runs waits for the kernels it is about to use. */
    @Test
    void firstForwardWaitsForItsKernels() throws IOException {
        Path model = SharedFixtures.file("fixtures/stories260K/stories260K-q4_0.gguf");
        System.setProperty("jllm.warmup", "true");
        try (Parallel pool = new Parallel(2); Transformer t = Transformer.open(model, pool)) {
            KernelWarmup w = t.warmup();
            t.forwardStarting(jllm.kernels.MatMul.SMALL_BATCH_KERNELS + 2);
            assertThat(w.promptReady()).as("a short prompt's kernels ready when its pass starts").isTrue();
            t.forwardStarting(1);
            assertThat(w.layersReady()).as("one row's kernels ready when a one-token pass starts").isTrue();
            t.lastRowStarting();
            assertThat(w.layersReady()).as("one row's kernels ready for a prompt's last row").isTrue();
            t.outputStarting();
            assertThat(w.outputReady()).as("output's kernel ready before the logits").isTrue();
            w.close();
            assertThat(w.running()).isFalse();
        }
    }

    @Test
    void warmsUpYieldsAndLeavesResultsAlone() throws IOException, InterruptedException {
        Path model = SharedFixtures.file("fixtures/stories260K/stories260K-q4_0.gguf");
        int[] prompt = {1, 432, 499, 437, 346, 318, 447, 265, 263, 260, 326, 433};
        float[] cold;
        try (Parallel pool = new Parallel(2)) {
            try (Transformer t = Transformer.open(model, pool)) {
                cold = t.newSession(32, 32).forward(prompt, 0, prompt.length).clone();
            }
            System.setProperty("jllm.warmup", "true");
            try (Transformer t = Transformer.open(model, pool)) {
                KernelWarmup w = t.warmup();
                assertThat(KernelWarmup.samples(t.weights())).isNotEmpty();
                long deadline = System.nanoTime() + 5_000_000_000L;
                boolean simd = SharedFixtures.copiesExpected();
                while ((w.rounds() < 3 || simd && w.interleaved() < 2) && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertThat(w.rounds()).as("warm-up rounds").isGreaterThanOrEqualTo(3);
                // Copies once the rounds run compiled (layer 0's wq and wk have rows in eights):
                // the prompt below reads some copies and some file rows.
                if (simd) {
                    assertThat(w.interleaved()).as("matrices interleaved").isGreaterThanOrEqualTo(2);
                    assertThat(KernelWarmup.toInterleave(t.weights())).isNotEmpty();
                } else {
                    assertThat(KernelWarmup.toInterleave(t.weights())).as("no copies at this width").isEmpty();
                }
                float[] warm = t.newSession(32, 32).forward(prompt, 0, prompt.length);
                assertThat(warm).as("logits with and without the warm-up").containsExactly(cold);
                w.close();
                assertThat(w.running()).isFalse();
            }
        }
    }
}
