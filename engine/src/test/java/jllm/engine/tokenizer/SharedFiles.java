package jllm.engine.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds ../shared (tests skip when it is absent) and reads llama.cpp's tokenizer test vectors. */
final class SharedFiles {
    static final String TOKENIZERS = "fixtures/tokenizers/";
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    private SharedFiles() {}

    static Path root() {
        String p = System.getProperty("jllm.shared");
        Path path = p != null ? Path.of(p) : Path.of("..", "shared");
        if (!Files.isDirectory(path)) {
            path = Path.of("..", "..", "shared");
        }
        return path.toAbsolutePath().normalize();
    }

    /** A file under ../shared; skips the test when it is missing. */
    static Path file(String relative) {
        Path f = root().resolve(relative);
        assumeTrue(Files.exists(f), "skipped: " + f + " is absent (../shared is not beside this checkout)");
        return f;
    }

    /** One test string with the ids llama.cpp gives it. */
    record Vector(String text, int[] ids) {}

    /** The {@code X.inp}/{@code X.out} pairs of a vocabulary file {@code X}. */
    static List<Vector> vectors(String name) throws IOException {
        String inp = Files.readString(file(TOKENIZERS + name + ".inp"), StandardCharsets.UTF_8);
        List<String> outs = Files.readAllLines(file(TOKENIZERS + name + ".out"), StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>();
        int from = 0;
        for (int at = inp.indexOf(SEPARATOR); at >= 0; at = inp.indexOf(SEPARATOR, from)) {
            texts.add(inp.substring(from, at));
            from = at + SEPARATOR.length();
        }
        if (texts.size() != outs.size()) {
            throw new IllegalStateException(name + ": " + texts.size() + " inputs but " + outs.size() + " outputs");
        }
        List<Vector> v = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = outs.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0]
                    : java.util.Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            v.add(new Vector(texts.get(i), ids));
        }
        return v;
    }
}
