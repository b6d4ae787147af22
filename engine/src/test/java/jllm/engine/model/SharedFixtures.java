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
}
