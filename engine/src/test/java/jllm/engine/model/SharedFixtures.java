package jllm.engine.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared; tests that need it skip when it is absent. */
final class SharedFixtures {
    private SharedFixtures() {}

    static Path file(String relative) {
        String p = System.getProperty("jllm.shared");
        Path f = (p != null ? Path.of(p) : Path.of("..", "shared")).resolve(relative).toAbsolutePath().normalize();
        assumeTrue(Files.exists(f), "skipped: " + f + " is absent (../shared is not beside this checkout)");
        return f;
    }

    /**
     * Whether this JVM's kernels make interleaved copies (Q4_0, Q4_K, Q6_K): Vector API of 256
     * bits or wider, as {@link jllm.kernels.MatMul#backend()} describes it. Not at 128 bits
     * ({@code -Djllm.vector.bits=128}, NEON-sized) nor with the scalar kernels.
     */
    static boolean copiesExpected() {
        return jllm.kernels.MatMul.backend().matches("Vector API (256|512)-bit");
    }
}
