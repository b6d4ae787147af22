package jllm.cli;

import java.io.IOException;
import java.nio.file.Path;
import jllm.engine.LanguageModel;
import picocli.CommandLine.Option;

/** The options every command that runs a model shares. */
final class ModelOptions {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE",
            description = "Model: GGUF file, safetensors file or folder, or llama2.c .bin.")
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

    @Option(names = {"-b", "--batch"}, defaultValue = "128", paramLabel = "N",
            description = "Prompt tokens per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    LanguageModel open() throws IOException {
        return LanguageModel.open(model, LanguageModel.Options.defaults().withTokenizer(tokenizer)
                .withThreads(threads).withContextSize(ctx).withBatchSize(batch));
    }
}
