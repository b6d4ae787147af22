package jllm.cli;

import java.io.IOException;
import java.nio.file.Path;
import jllm.engine.LanguageModel;
import picocli.CommandLine.Option;

/** The options every command that runs a model shares. */
final class ModelOptions {
    /** The model shipped in the repository, used when no -m is given. */
    static final String BUNDLED = "models/shakespeare-char.gguf";

    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "Model: GGUF file, safetensors file or folder, or llama2.c .bin (default: the bundled "
                    + "character-level Shakespeare model, " + BUNDLED + ").")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "Tokenizer file, when the model has none of its own (llama2.c: tokenizer.bin).")
    Path tokenizer;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", paramLabel = "N",
            description = "Worker threads (default: one per core).")
    int threads;

    @Option(names = {"-c", "--ctx"}, defaultValue = "0", paramLabel = "N",
            description = "Context length in tokens (default: the model's, at most 4096).")
    int ctx;

    @Option(names = "--cache-type", defaultValue = "f32", paramLabel = "T",
            description = "KV cache type: f32 (exact) or f16 (half the memory) (default ${DEFAULT-VALUE}).")
    String cacheType;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "B",
            description = "Matrix products: auto (OpenBLAS for large prompt batches when it loads), vector, blas (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = {"-b", "--batch"}, defaultValue = "128", paramLabel = "N",
            description = "Prompt tokens per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    private boolean f16() {
        return switch (cacheType.toLowerCase(java.util.Locale.ROOT)) {
            case "f32" -> false;
            case "f16" -> true;
            default -> throw new IllegalArgumentException("--cache-type must be f32 or f16, got " + cacheType);
        };
    }

    /** The -m file, or the bundled model. */
    Path modelPath() {
        if (model != null) {
            return model;
        }
        String home = System.getProperty("jllm.home");
        Path bundled = home != null ? Path.of(home).resolve(BUNDLED) : Path.of(BUNDLED);
        if (!java.nio.file.Files.isRegularFile(bundled)) {
            throw new IllegalArgumentException("no -m given and the bundled model " + bundled + " is missing");
        }
        return bundled;
    }

    LanguageModel open() throws IOException {
        model = modelPath();
        return LanguageModel.open(model, LanguageModel.Options.defaults().withTokenizer(tokenizer)
                .withThreads(threads).withContextSize(ctx).withBatchSize(batch).withF16Cache(f16()).withBackend(backend));
    }
}
