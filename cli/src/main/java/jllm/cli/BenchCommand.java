package jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import jllm.engine.bench.ModelBench;
import jllm.engine.model.Transformer;
import jllm.kernels.MatMul;
import jllm.kernels.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jllm bench}: prompt-processing and generation speed, as llama-bench reports them. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure prompt processing (pp) and generation (tg) tokens/s, like llama-bench.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "The model.")
    Path model;

    @Option(names = {"-p", "--n-prompt"}, defaultValue = "512", paramLabel = "N", description = "Prompt tokens (default ${DEFAULT-VALUE}; 0 skips pp).")
    int prompt;

    @Option(names = {"-n", "--n-gen"}, defaultValue = "128", paramLabel = "N", description = "Generated tokens (default ${DEFAULT-VALUE}; 0 skips tg).")
    int gen;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", paramLabel = "N", description = "Threads (default: one per core).")
    int threads;

    @Option(names = {"-r", "--repetitions"}, defaultValue = "5", paramLabel = "R", description = "Repetitions after a warm-up (default ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "B",
            description = "Matrix products: auto, vector or blas (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--cold-start", description = "Instead of pp and tg: start R fresh JVMs, each running"
            + " `generate -n 1` on a 7-token prompt, and report when the first token came, counted from the JVM's"
            + " start and from the request (the model just opened). One more run first is not counted.")
    boolean coldStart;

    /**
     * Heap bytes per generated token above which the kernels were evidently compiled with boxed
     * vectors: a healthy step allocates next to nothing, a boxed one hundreds of MB.
     */
    static final long BOXED_HEAP_PER_TOKEN = 16L << 20;

    /** Bytes allocated on the heap by all threads so far, or -1 where the JVM cannot tell. */
    private static long allocatedBytes() {
        if (java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean b
                && b.isThreadAllocatedMemorySupported() && b.isThreadAllocatedMemoryEnabled()) {
            return b.getTotalThreadAllocatedBytes();
        }
        return -1;
    }

    private int coldStart(PrintWriter out, int t) throws Exception {
        if (!java.nio.file.Files.isRegularFile(model)) {
            throw new java.nio.file.NoSuchFileException(model.toString());
        }
        java.util.List<ColdStart.Run> runs = ColdStart.measure(model, t, backend, repetitions);
        double[] uptime = ColdStart.summary(runs.stream().mapToDouble(ColdStart.Run::firstTokenUptime).toArray());
        double[] afterMain = ColdStart.summary(runs.stream().mapToDouble(ColdStart.Run::firstTokenAfterMain).toArray());
        double[] ttft = ColdStart.summary(runs.stream().mapToDouble(ColdStart.Run::timeToFirstToken).toArray());
        double[] wall = ColdStart.summary(runs.stream().mapToDouble(ColdStart.Run::wall).toArray());
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode o = m.createObjectNode();
            ObjectNode c = o.putObject("cold_start").put("runs", runs.size()).put("prompt", ColdStart.PROMPT);
            summary(c.putObject("first_token_after_jvm_start_ms"), uptime, runs.stream().mapToDouble(ColdStart.Run::firstTokenUptime));
            summary(c.putObject("first_token_after_main_ms"), afterMain, runs.stream().mapToDouble(ColdStart.Run::firstTokenAfterMain));
            summary(c.putObject("time_to_first_token_ms"), ttft, runs.stream().mapToDouble(ColdStart.Run::timeToFirstToken));
            summary(c.putObject("process_ms"), wall, runs.stream().mapToDouble(ColdStart.Run::wall));
            o.put("threads", t);
            o.put("model_bytes", java.nio.file.Files.size(model));
            out.println(m.writeValueAsString(o));
        } else {
            out.printf(Locale.ROOT, "model: %s, %,d bytes, %d threads, %d fresh JVMs running `generate -n 1` on \"%s\"%n",
                    model.getFileName(), java.nio.file.Files.size(model), t, runs.size(), ColdStart.PROMPT);
            out.printf(Locale.ROOT, "first token after the JVM started   median %6.0f ms  (%.0f-%.0f)%n", uptime[0], uptime[1], uptime[2]);
            out.printf(Locale.ROOT, "first token after main() began     median %6.0f ms  (%.0f-%.0f; the JVM up)%n",
                    afterMain[0], afterMain[1], afterMain[2]);
            out.printf(Locale.ROOT, "first token after the request      median %6.0f ms  (%.0f-%.0f; the model just opened)%n",
                    ttft[0], ttft[1], ttft[2]);
            out.printf(Locale.ROOT, "whole process                      median %6.0f ms  (%.0f-%.0f)%n", wall[0], wall[1], wall[2]);
        }
        out.flush();
        return 0;
    }

    private static void summary(ObjectNode o, double[] s, java.util.stream.DoubleStream values) {
        o.put("median", s[0]).put("min", s[1]).put("max", s[2]);
        values.forEach(o.putArray("values")::add);
    }

    @Override
    public Integer call() throws Exception {
        if (prompt < 0 || gen < 0 || repetitions < 1) {
            throw new IllegalArgumentException("-p and -n must be >= 0 and -r >= 1");
        }
        int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        PrintWriter out = spec.commandLine().getOut();
        if (coldStart) {
            return coldStart(out, t);
        }
        try (Parallel pool = new Parallel(t); Transformer tr = Transformer.open(model, pool, MatMul.Backend.parse(backend))) {
            ModelBench.Result pp = prompt > 0 ? ModelBench.promptProcessing(tr, prompt, repetitions, 1) : null;
            long heap0 = allocatedBytes();
            ModelBench.Result tg = gen > 0 ? ModelBench.generation(tr, gen, repetitions, 2) : null;
            long heapPerToken = heap0 < 0 || tg == null ? -1
                    : (allocatedBytes() - heap0) / ((long) gen * repetitions + Math.min(gen, 16));
            long perToken = ModelBench.bytesPerToken(tr);
            double bandwidth = jllm.kernels.BandwidthProbe.measure(pool, 1L << 30, 3);
            double roofline = bandwidth / perToken;
            long modelBytes = tr.file().fileBytes();
            if (json) {
                ObjectMapper m = new ObjectMapper();
                ObjectNode o = m.createObjectNode();
                if (pp != null) {
                    o.putObject("pp").put("n", pp.tokens()).put("tokens_per_second", pp.tokensPerSecond())
                            .put("stddev", pp.stddev());
                }
                if (tg != null) {
                    o.putObject("tg").put("n", tg.tokens()).put("tokens_per_second", tg.tokensPerSecond())
                            .put("stddev", tg.stddev());
                }
                o.put("threads", t);
                o.put("backend", backend);
                o.put("model_bytes", modelBytes);
                o.put("bytes_per_token", perToken);
                o.put("bandwidth_bytes_per_second", bandwidth);
                o.put("tg_roofline_tokens_per_second", roofline);
                if (tg != null) {
                    o.put("tg_roofline_share", tg.tokensPerSecond() / roofline);
                    o.put("tg_heap_bytes_per_token", heapPerToken);
                }
                out.println(m.writeValueAsString(o));
            } else {
                out.printf(Locale.ROOT, "model: %s, %,d bytes, %d threads%n", model.getFileName(), modelBytes, t);
                if (pp != null) {
                    out.printf(Locale.ROOT, "pp%-5d %8.2f ± %.2f tokens/s%n", pp.tokens(), pp.tokensPerSecond(), pp.stddev());
                }
                if (tg != null) {
                    out.printf(Locale.ROOT, "tg%-5d %8.2f ± %.2f tokens/s  (%.0f%% of the %.2f tokens/s roofline: "
                                    + "%.1f GB/s read bandwidth / %.1f MB per token)%n", tg.tokens(), tg.tokensPerSecond(),
                            tg.stddev(), 100 * tg.tokensPerSecond() / roofline, roofline, bandwidth / 1e9, perToken / 1e6);
                    if (heapPerToken > BOXED_HEAP_PER_TOKEN) {
                        java.util.List<String> missing = jllm.kernels.MatMul.missingJvmFlags();
                        out.printf(Locale.ROOT, "warning: generation allocated %.0f MB per token: the JIT left a kernel's"
                                + " vectors as heap objects in this run (%s)%n", heapPerToken / 1e6, missing.isEmpty()
                                ? "the JVM flags look right; rerun"
                                : "this JVM lacks " + String.join(" ", missing) + ", see README");
                    }
                }
            }
            out.flush();
        }
        return 0;
    }
}
