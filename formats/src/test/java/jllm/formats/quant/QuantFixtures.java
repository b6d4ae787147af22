package jllm.formats.quant;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared fixture tree; tests that need it skip when it is absent. */
final class QuantFixtures {
    private QuantFixtures() {}

    /** The shared folder: system property {@code jllm.shared} (set by surefire), else {@code ../shared}. */
    static Path shared() {
        String prop = System.getProperty("jllm.shared");
        Path p = prop != null && !prop.isBlank() ? Path.of(prop) : Path.of("../shared");
        if (!Files.isDirectory(p) && prop != null) {
            p = Path.of("../shared");
        }
        return p.toAbsolutePath().normalize();
    }

    /** A fixture path under shared/fixtures, skipping the test when it does not exist. */
    static Path fixture(String relative) {
        Path p = shared().resolve("fixtures").resolve(relative);
        assumeTrue(Files.exists(p), "fixture " + p + " not found; skipping");
        return p;
    }

    /** A whole file of little-endian float32. */
    static float[] readFloats(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }
}
