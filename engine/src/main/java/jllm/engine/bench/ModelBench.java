package jllm.engine.bench;

import java.util.SplittableRandom;
import jllm.engine.model.Session;
import jllm.engine.model.Transformer;
import jllm.formats.TensorData;

/**
 * {@code jllm bench}, as llama-bench measures: prompt processing (pp: {@code p} tokens in one
 * batch from an empty context) and text generation (tg: {@code n} tokens one at a time from an
 * empty context), each repeated after a warm-up, reported as mean and standard deviation of
 * tokens per second.
 */
public final class ModelBench {
    private ModelBench() {}

    /** Mean and standard deviation of tokens per second over the repetitions. */
    public record Result(int tokens, double tokensPerSecond, double stddev) {}

    public static Result promptProcessing(Transformer t, int tokens, int repetitions, long seed) {
        int[] ids = randomTokens(t, tokens, seed);
        Session s = t.newSession(tokens, tokens);
        s.forward(ids, 0, tokens); // warm-up
        double[] tps = new double[repetitions];
        for (int r = 0; r < repetitions; r++) {
            s.reset();
            long t0 = System.nanoTime();
            s.forward(ids, 0, tokens);
            tps[r] = tokens / ((System.nanoTime() - t0) / 1e9);
        }
        return summarize(tokens, tps);
    }

    public static Result generation(Transformer t, int tokens, int repetitions, long seed) {
        int[] ids = randomTokens(t, tokens, seed);
        Session s = t.newSession(tokens, 1);
        t.makeAllCopies();   // steady decoding: generated tokens would otherwise make them a few at a time
        for (int i = 0; i < Math.min(tokens, 16); i++) { // warm-up
            s.forward(ids[i]);
        }
        double[] tps = new double[repetitions];
        for (int r = 0; r < repetitions; r++) {
            s.reset();
            long t0 = System.nanoTime();
            for (int i = 0; i < tokens; i++) {
                s.forward(ids[i]);
            }
            tps[r] = tokens / ((System.nanoTime() - t0) / 1e9);
        }
        return summarize(tokens, tps);
    }

    /**
     * Bytes of weights one generated token reads: every matrix once (the output projection
     * included, the token embedding only when it doubles as the output) plus one embedding row.
     */
    public static long bytesPerToken(Transformer t) {
        long bytes = 0;
        boolean tied = !t.file().tensorMap().containsKey("output.weight");
        for (TensorData d : t.file().tensors()) {
            if (d.name().equals("token_embd.weight")) {
                bytes += tied ? d.data().byteSize() : d.rowBytes();
            } else if (!d.name().equals("position_embd.weight")) {
                bytes += d.data().byteSize();
            }
        }
        return bytes;
    }

    private static int[] randomTokens(Transformer t, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(t.config().vocabSize());
        }
        return ids;
    }

    private static Result summarize(int tokens, double[] v) {
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        double var = 0;
        for (double x : v) {
            var += (x - mean) * (x - mean);
        }
        return new Result(tokens, mean, v.length > 1 ? Math.sqrt(var / (v.length - 1)) : 0);
    }
}
