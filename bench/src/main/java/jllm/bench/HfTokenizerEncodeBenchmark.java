package jllm.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import jllm.engine.tokenizer.Tokenizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The baseline for {@link TokenizerEncodeBenchmark}: Hugging Face's Rust tokenizers (through DJL's
 * JNI binding) encoding the same text with an equivalent {@code tokenizer.json} built from the same
 * GGUF vocabulary by {@link HfTokenizerJson}, without special tokens, truncation or padding.
 *
 * <p>Two measurements: {@code encode} goes through DJL's public API, which also copies type ids,
 * token strings, offsets and masks into Java; {@code encodeIds} calls the native library directly
 * and copies only the ids, so it is the closer measure of the Rust encoder itself. HF is much slower
 * on one 1.1 MB string than on short texts, so {@code encodeIdsLines} encodes the file
 * one line at a time, to compare with {@link TokenizerEncodeBenchmark#encodeLines}. The setup checks
 * that HF's ids equal jllm's, on the whole file and line by line, and prints the first difference
 * if not.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
 * -Djllm.shared=../shared -cp 'bench/target/jllm-bench.jar:bench/target/lib/*' org.openjdk.jmh.Main
 * 'TokenizerEncodeBenchmark|HfTokenizerEncodeBenchmark'}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@State(Scope.Benchmark)
public class HfTokenizerEncodeBenchmark {

    @Param({"llama3-vocab-rebuilt.gguf", "ggml-vocab-llama-spm.gguf"})
    public String vocab;

    Path dir;
    HuggingFaceTokenizer hf;
    long handle;
    String text;
    String[] lines;
    int bytes;

    @Setup
    public void load() throws IOException {
        Path shared = TokenizerEncodeBenchmark.sharedRoot();
        Tokenizer jllm = Tokenizer.load(shared.resolve("fixtures/tokenizers").resolve(vocab));
        dir = Files.createTempDirectory("jllm-hf-tokenizer");
        HfTokenizerJson.write(jllm.vocabulary(), dir);
        hf = HuggingFaceTokenizer.builder()
                .optTokenizerPath(dir)
                .optAddSpecialTokens(false)
                .optTruncation(false)
                .optPadding(false)
                .build();
        handle = hf.getHandle();
        text = Files.readString(shared.resolve("data/pretrain/tinyshakespeare.txt"), StandardCharsets.UTF_8);
        lines = TokenizerEncodeBenchmark.lines(text);
        bytes = text.getBytes(StandardCharsets.UTF_8).length;
        compare("whole file", jllm.encode(text, false, false), ids(text));
        IntList jllmLines = new IntList();
        LongList hfLines = new LongList();
        for (String line : lines) {
            jllmLines.addAll(jllm.encode(line, false, false));
            hfLines.addAll(ids(line));
        }
        compare("line by line", jllmLines.toArray(), hfLines.toArray());
    }

    @TearDown
    public void close() throws IOException {
        hf.close();
        Files.deleteIfExists(dir.resolve("tokenizer.json"));
        Files.deleteIfExists(dir);
    }

    /** Through DJL's API: ids plus the other per-token arrays DJL always copies out. */
    @Benchmark
    public long[] encode(TokenizerEncodeBenchmark.Counters c) {
        c.bytes += bytes;
        return hf.encode(text, false, false).getIds();
    }

    /** Straight to the native library: encode, copy the ids, free the encoding. */
    @Benchmark
    public long[] encodeIds(TokenizerEncodeBenchmark.Counters c) {
        c.bytes += bytes;
        return ids(text);
    }

    /** As {@link #encodeIds}, one line at a time; returns the number of tokens. */
    @Benchmark
    public int encodeIdsLines(TokenizerEncodeBenchmark.Counters c) {
        c.bytes += bytes;
        int n = 0;
        for (String line : lines) {
            n += ids(line).length;
        }
        return n;
    }

    /** HF's ids for a text, without special tokens, through the native library only. */
    private long[] ids(String s) {
        long encoding = TokenizersLibrary.LIB.encode(handle, s, false);
        try {
            return TokenizersLibrary.LIB.getTokenIds(encoding);
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(encoding);
        }
    }

    /** Prints whether the two encoders agree, and where they first part if they do not. */
    private void compare(String how, int[] jllm, long[] hf) {
        int n = Math.min(jllm.length, hf.length);
        int first = -1;
        int diffs = 0;
        for (int i = 0; i < n; i++) {
            if (jllm[i] != hf[i]) {
                diffs++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (first < 0 && jllm.length == hf.length) {
            System.out.printf("%n[%s, %s] ids agree: %d tokens, %d bytes%n", vocab, how, jllm.length, bytes);
            return;
        }
        System.out.printf("%n[%s, %s] ids DIFFER: jllm %d tokens, HF %d tokens, %d of the first %d positions differ%n",
                vocab, how, jllm.length, hf.length, diffs, n);
        if (first >= 0) {
            int from = Math.max(0, first - 3);
            System.out.printf("  first at %d: jllm %s%n                 HF   %s%n", first,
                    Arrays.toString(Arrays.copyOfRange(jllm, from, Math.min(jllm.length, first + 8))),
                    Arrays.toString(Arrays.copyOfRange(hf, from, Math.min(hf.length, first + 8))));
        }
    }

    /** A growable int array, to join per-line ids. */
    private static final class IntList {
        private int[] a = new int[1024];
        private int n;

        void addAll(int[] xs) {
            if (n + xs.length > a.length) {
                a = Arrays.copyOf(a, Math.max(2 * a.length, n + xs.length));
            }
            System.arraycopy(xs, 0, a, n, xs.length);
            n += xs.length;
        }

        int[] toArray() { return Arrays.copyOf(a, n); }
    }

    /** A growable long array, to join per-line ids. */
    private static final class LongList {
        private long[] a = new long[1024];
        private int n;

        void addAll(long[] xs) {
            if (n + xs.length > a.length) {
                a = Arrays.copyOf(a, Math.max(2 * a.length, n + xs.length));
            }
            System.arraycopy(xs, 0, a, n, xs.length);
            n += xs.length;
        }

        long[] toArray() { return Arrays.copyOf(a, n); }
    }
}
