package jllm.formats;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the read-only reference material in ../shared; tests that need it skip when it is absent. */
final class Shared {
    private Shared() {}

    static Path root() {
        String p = System.getProperty("jllm.shared");
        Path path = p != null ? Path.of(p) : Path.of("..", "shared");
        if (!Files.isDirectory(path)) {
            path = Path.of("..", "..", "shared");
        }
        return path.toAbsolutePath().normalize();
    }

    /** A file under ../shared; skips the test (not fails) when it is missing. */
    static Path file(String relative) {
        Path f = root().resolve(relative);
        assumeTrue(Files.exists(f), "skipped: " + f + " is absent (../shared is not beside this checkout)");
        return f;
    }
}
