package jllm.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import jllm.engine.model.GgufConversion;
import jllm.engine.model.QuantizationPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jllm quantize}: re-encode a model to another tensor type. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Convert a GGUF or safetensors model to a GGUF of another type (llama.cpp's type mixes).")
final class QuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "GGUF file, or safetensors file/folder with config.json.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT.gguf", description = "The file to write.")
    Path out;

    @Option(names = "--type", required = true, paramLabel = "T",
            description = "f16, bf16, q8_0, q4_0, q4_k_m, q6_k (or f32).")
    String type;

    @Override
    public Integer call() throws Exception {
        QuantizationPlan plan = QuantizationPlan.parse(type);
        if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("OUT must differ from IN");
        }
        long t0 = System.nanoTime();
        GgufConversion.quantize(in, out, plan);
        spec.commandLine().getErr().printf("wrote %s (%s, %,d bytes) in %.1f s%n", out, plan, Files.size(out),
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
