package jllm.engine.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Test helper: the fixture tokenizers, each loaded once per test JVM. */
final class Tokenizers {
    private static final Map<String, Tokenizer> CACHE = new ConcurrentHashMap<>();

    private Tokenizers() {}

    /** The tokenizer of {@code fixtures/tokenizers/<file>}; skips the test when ../shared is absent. */
    static Tokenizer cached(String file) {
        java.nio.file.Path p = SharedFiles.file(SharedFiles.TOKENIZERS + file);
        return CACHE.computeIfAbsent(file, f -> {
            try {
                return Tokenizer.load(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
