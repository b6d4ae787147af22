package jllm.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import jllm.engine.tokenizer.Tokenizer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encode throughput on tinyshakespeare (1.1 MB) for the Llama 3 and Llama 2 vocabularies, without
 * BOS and without matching special tokens. The {@code bytes} counter is UTF-8 input bytes per
 * second (divide by 10^6 for MB/s); the primary score is whole-file encodes per second.
 * {@code encodeLines} encodes the same text one line at a time (each line with its {@code \n}), the
 * shape {@link HfTokenizerEncodeBenchmark} also measures, since Hugging Face's encoder is slow on a
 * single 1.1 MB string.
 *
 * <p>Run: {@code java -cp bench/target/jllm-bench.jar:bench/target/lib/* org.openjdk.jmh.Main
 * TokenizerEncodeBenchmark -Djllm.shared=../shared} (the fixtures come from {@code ../shared}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@State(Scope.Benchmark)
public class TokenizerEncodeBenchmark {

    @Param({"llama3-vocab-rebuilt.gguf", "ggml-vocab-llama-spm.gguf"})
    public String vocab;

    Tokenizer tokenizer;
    String text;
    String[] lines;
    int bytes;

    /** Per-iteration counters JMH reports as rates. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        /** UTF-8 bytes encoded. */
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    @Setup
    public void load() throws IOException {
        Path shared = sharedRoot();
        tokenizer = Tokenizer.load(shared.resolve("fixtures/tokenizers").resolve(vocab));
        text = Files.readString(shared.resolve("data/pretrain/tinyshakespeare.txt"), StandardCharsets.UTF_8);
        lines = lines(text);
        bytes = text.getBytes(StandardCharsets.UTF_8).length;
    }

    @Benchmark
    public int[] encode(Counters c) {
        c.bytes += bytes;
        return tokenizer.encode(text, false, false);
    }

    /** Encodes line by line; returns the number of tokens. */
    @Benchmark
    public int encodeLines(Counters c) {
        c.bytes += bytes;
        int n = 0;
        for (String line : lines) {
            n += tokenizer.encode(line, false, false).length;
        }
        return n;
    }

    /** The text cut after every {@code \n}; the pieces concatenate back to the text. */
    static String[] lines(String text) {
        return text.split("(?<=\n)");
    }

    static Path sharedRoot() throws IOException {
        String p = System.getProperty("jllm.shared");
        for (Path candidate : p != null ? new Path[] {Path.of(p)} : new Path[] {Path.of("..", "shared"), Path.of("..", "..", "shared")}) {
            if (Files.isDirectory(candidate.resolve("fixtures/tokenizers"))) {
                return candidate;
            }
        }
        throw new IOException("cannot find the shared fixtures; pass -Djllm.shared=/path/to/shared");
    }
}
