package jllm.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import jllm.engine.model.ModelExporter;
import jllm.engine.model.ModelInit;
import jllm.engine.model.ModelPresets;
import jllm.engine.model.QuantizationPlan;
import jllm.formats.GgufFile;
import jllm.formats.MetadataValue;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jllm init}: a randomly initialised model of a given shape, as GGUF. */
@Command(name = "init", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write a randomly initialised model (for benchmarks, tests, or as the start of pretraining).")
final class InitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    static final class Shape {
        @Option(names = "--preset", paramLabel = "NAME",
                description = "tiny, llama3.2-1b, llama3.2-3b, gpt2-124m, nanogpt-char.")
        String preset;

        @Option(names = "--config", paramLabel = "JSON",
                description = "Shape as JSON with jllm info --json's keys (layers, heads, kv_heads, embedding_length, ...).")
        String config;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Shape shape;

    @Option(names = "--arch", paramLabel = "A", description = "Architecture for --config: llama, qwen2, gpt2.")
    String arch;

    @Option(names = "--tokenizer", paramLabel = "TOKENIZER.gguf",
            description = "Copy the tokenizer (and vocabulary size) from this GGUF.")
    Path tokenizer;

    @Option(names = "--type", defaultValue = "f32", paramLabel = "T",
            description = "f32, f16, bf16, q8_0, q4_0, q4_k_m, q6_k (default ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Parameters(paramLabel = "OUT.gguf", description = "The file to write.")
    Path out;

    @Override
    public Integer call() throws Exception {
        QuantizationPlan plan = QuantizationPlan.parse(type);
        Map<String, MetadataValue> meta = new LinkedHashMap<>();
        int vocab = 0;
        if (tokenizer != null) {
            try (GgufFile g = GgufFile.open(tokenizer)) {
                g.metadata().asMap().forEach((k, v) -> {
                    if (k.startsWith("tokenizer.")) {
                        meta.put(k, v);
                    }
                });
                vocab = g.metadata().getArray("tokenizer.ggml.tokens").length();
            }
        }
        ModelPresets.Shape s = shape.preset != null ? ModelPresets.preset(shape.preset, vocab)
                : ModelPresets.fromJson(shape.config, arch, vocab);
        meta.put("general.name", MetadataValue.ofString(shape.preset != null ? shape.preset : "custom"));
        long t0 = System.nanoTime();
        ModelExporter.writeGgufStreaming(out, s.config(), ModelInit.sources(s.config(), s.tied(), seed), plan, meta);
        spec.commandLine().getErr().printf("wrote %s (%s, %,d bytes) in %.1f s%n", out, plan, Files.size(out),
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
