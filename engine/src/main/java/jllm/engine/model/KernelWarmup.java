package jllm.engine.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import jllm.formats.GgmlType;
import jllm.kernels.MatMul;
import jllm.kernels.Matrix;
import jllm.kernels.Ops;
import jllm.kernels.Parallel;

/**
 * Starts the JIT on the matrix kernels while the caller is still loading (building a 128k
 * tokenizer is single-threaded and takes a few hundred ms, so a core is idle). Until C2 has
 * compiled them, Vector API kernels run interpreted or in C1, where every vector is a heap object,
 * and a 1B model's first prompt took 1.5-1.8 s instead of 0.4 s.
 *
 * <p>One background daemon thread multiplies a few rows of the model's own weights per weight
 * type ({@link #SAMPLE_COLS} columns wide) with one activation row (the matrix-vector kernels,
 * which a short prompt uses row by row and every prompt's last token uses for the logits), with a
 * private single-thread {@link MatMul}, and runs the per-layer vector operations on scratch
 * arrays. With the launcher's lowered compile threshold for the row loops ({@code -XX:CompileCommand=CompileThresholdScaling,jllm.kernels.RowLoops::*,0.001})
 * that is enough calls for C2. These rounds stop when the first forward pass begins (the real work
 * then finishes the warm-up, and the two must not fight for cores), after {@link #MAX_NANOS}, or
 * when the model closes.
 *
 * <p>Once the rounds run compiled, the same thread also warms the tiled matrix-matrix kernels of
 * prompts longer than {@link MatMul#ROW_BY_ROW_BATCH} tokens (batches one, two and three rows past
 * a multiple of 4, so that every tail of the 4-row kernel runs before C2 compiles it: a branch
 * never taken would be compiled as a trap, and a prompt would pay for the recompilation) and the
 * 8-row kernels on interleaved copies of the samples; and, one between rounds, it makes the
 * interleaved copies of the model's matrices that have them ({@link Matrix#interleave}, the only
 * state it shares with the model), layer by layer, until the first forward pass begins; the
 * generated tokens make the rest, a few each ({@link Transformer#copySome}).
 * {@code -Djllm.warmup=false} turns all of it off; results do not depend on it.
 */
final class KernelWarmup {
    private static final int ROWS = 8;
    /**
     * The samples' width. The kernels' code does not depend on it, but until C2 has compiled them
     * they run interpreted, where every vector is a heap object: one pass over 8 rows of 2048
     * Q4_K columns took 0.3 s, and the first prompt came before the first round had reached every
     * kernel. 512 columns is two 256-column super-blocks, so that every block loop takes its
     * back-edge as in real rows (a branch a profile never saw taken is compiled as a trap).
     */
    static final int SAMPLE_COLS = 512;
    /** The tiled kernels' batches: 9, 10 and 11 rows (tails 1, 2, 3 of the 4-row kernel). */
    private static final int TILED = MatMul.ROW_BY_ROW_BATCH + 1;
    static final long MAX_NANOS = 2_000_000_000L;
    /**
     * A round this fast ran compiled kernels (a 1B model's take 1-3 ms compiled, 10-100x that
     * before): copies are made only then, so that they never hold up the compiles.
     */
    static final long HOT_ROUND_NANOS = 10_000_000L;

    private final Thread thread;
    private volatile boolean stop;
    private volatile int rounds;
    private volatile int packed;

    /**
     * A few rows of one of the model's matrices. {@code batched}: prompts multiply it with several
     * rows at once. The output matrix alone is not: a prompt needs the logits of its last token
     * only. For a Q4_0 file that matrix is its only Q6_K one, and warming Q6_K's matrix-matrix
     * kernel, which that model never runs, held up the C2 compiles its first prompt waits for.
     */
    record Sample(Matrix matrix, boolean batched) {}

    private KernelWarmup(List<Sample> samples, List<Matrix> toInterleave) {
        thread = Thread.ofPlatform().daemon().name("jllm-kernel-warmup").unstarted(() -> run(samples, toInterleave));
    }

    /** Starts warming up the kernels of the weights' types, unless {@code -Djllm.warmup=false}. */
    static KernelWarmup start(ModelWeights w) {
        KernelWarmup k = new KernelWarmup(samples(w), toInterleave(w));
        if (!"false".equals(System.getProperty("jllm.warmup"))) {
            k.thread.start();
        }
        return k;
    }

    /**
     * The first rows of one matrix per distinct weight type among the quantized weights, read as
     * rows of {@link #SAMPLE_COLS} columns. Every layer counts: a Q4_K_M file mixes Q4_K and Q6_K
     * per layer, and a type first met in a later layer would otherwise compile during a prompt.
     */
    static List<Sample> samples(ModelWeights w) {
        List<Matrix> layer = new ArrayList<>();
        for (ModelWeights.Layer l : w.layers()) {
            for (Matrix m : new Matrix[] {l.wq(), l.wk(), l.wv(), l.wqkv(), l.wo(), l.wGate(), l.wUp(), l.wDown()}) {
                if (m != null) {
                    layer.add(m);
                }
            }
        }
        Map<String, Sample> byKind = new LinkedHashMap<>();
        for (Matrix m : layer) {
            add(byKind, m, true);
        }
        add(byKind, w.output(), false);
        return List.copyOf(byKind.values());
    }

    /**
     * The same rows interleaved (Q4_0, Q4_K, Q6_K), for the 8-row kernels that read the copies.
     * Made by the warm-up thread once its rounds run compiled, not when the model opens: the first
     * copy also sets up the native-memory downcalls, work the loading thread need not wait for.
     */
    static List<Matrix> interleavedSamples(List<Sample> samples) {
        List<Matrix> out = new ArrayList<>();
        try (Parallel one = new Parallel(1)) {
            for (Sample sm : samples) {
                Matrix m = sm.matrix();
                Matrix x8 = new Matrix(m.type(), m.rows(), m.cols(), m.data());
                if (x8.interleave(one)) {
                    out.add(x8);
                }
            }
        }
        return out;
    }

    /**
     * The matrices whose interleaved copies (Q4_0, Q4_K, Q6_K) the warm-up makes, in the order a forward
     * pass uses them. Made while the model loads (all of them when it stays idle for a second or
     * two, as in a chat), they serve prompts too: a short prompt's products then take the 8-row
     * kernels, about twice as fast as the tiled ones, and the generated tokens make only the
     * copies still missing (all of them cost 0.4-2 s for a 1B model).
     */
    static List<Matrix> toInterleave(ModelWeights w) {
        List<Matrix> out = new ArrayList<>();
        for (ModelWeights.Layer l : w.layers()) {
            for (Matrix m : new Matrix[] {l.wq(), l.wk(), l.wv(), l.wqkv(), l.wo(), l.wGate(), l.wUp(), l.wDown()}) {
                if (m != null && m.interleaves()) {
                    out.add(m);
                }
            }
        }
        if (w.output().interleaves()) {
            out.add(w.output());
        }
        return out;
    }

    private static void add(Map<String, Sample> byKind, Matrix m, boolean batched) {
        if (m.type() == GgmlType.F32 || m.rows() == 0) {
            return; // plain float products compile in a moment
        }
        int rows = Math.min(ROWS, m.rows());
        int cols = m.cols() % SAMPLE_COLS == 0 ? SAMPLE_COLS : m.cols();
        long bytes = rows * m.type().rowBytes(cols);
        byKind.putIfAbsent(m.type() + "/" + cols,
                new Sample(new Matrix(m.type(), rows, cols, m.data().asSlice(0, bytes)), batched));
    }

    private void run(List<Sample> samples, List<Matrix> toInterleave) {
        if (samples.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        try (Parallel one = new Parallel(1)) {
            MatMul mm = new MatMul(one, MatMul.Backend.VECTOR);
            SplittableRandom r = new SplittableRandom(1);
            int maxCols = samples.stream().mapToInt(s -> s.matrix().cols()).max().orElse(0);
            float[] x = new float[(TILED + 2) * maxCols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            float[] y = new float[(TILED + 2) * ROWS];
            float[] v = new float[maxCols], u = new float[maxCols];
            List<Matrix> x8 = null;
            int next = 0;
            long lastRound = Long.MAX_VALUE;
            while (!stop) {
                // Copies once the rounds run compiled (they must not hold up the compiles), one
                // between rounds. They stop with the rounds: copying on while the first prompt ran
                // on the other threads made its first token 0.3-0.4 s later; a copy in progress
                // is dropped (a 1B model's Q6_K output matrix takes 0.3-0.5 s on one thread). A
                // matrix not copied yet uses the file's rows; the generated tokens make the rest.
                boolean hot = lastRound < HOT_ROUND_NANOS;
                if (hot && next < toInterleave.size()) {
                    if (toInterleave.get(next++).interleave(one, () -> stop)) {
                        packed++;
                    }
                }
                if (System.nanoTime() - t0 >= MAX_NANOS) {
                    if (!hot || next >= toInterleave.size()) {
                        break;
                    }
                    continue;   // rounds done: the remaining copies, one after another
                }
                long roundStart = System.nanoTime();
                for (Sample s : samples) {
                    mm.matMul(s.matrix(), x, 1, y);
                }
                // The per-layer vector operations (norms, attention, SwiGLU) start cold too.
                Ops.rmsNorm(v, 0, x, 0, x, maxCols, 1e-5f);
                Ops.siluMul(v, u, maxCols);
                Ops.add(u, 0, v, 0, maxCols);
                Ops.axpy(0.5f, x, 0, u, 0, maxCols);
                v[0] = Ops.dot(x, 0, u, 0, maxCols);
                Ops.softmax(v, 0, Math.min(maxCols, 256));
                lastRound = System.nanoTime() - roundStart;
                // The tiled kernels and the interleaved samples' 8-row kernels once the others run
                // compiled: a short prompt uses neither (the 8-row ones only where copies exist),
                // and compiling them first made a short first prompt later (8-row kernels: 0.1-0.25
                // s; tiled kernels: 0.2-0.7 s, the matrix-vector kernels queued behind them).
                if (hot) {
                    if (x8 == null) {
                        x8 = interleavedSamples(samples);
                    }
                    for (Matrix m : x8) {
                        mm.matMul(m, x, 1, y);
                    }
                    for (Sample s : samples) {
                        if (s.batched()) {
                            mm.matMul(s.matrix(), x, TILED + rounds % 3, y);
                        }
                    }
                }
                rounds++;
            }
        } catch (RuntimeException e) {
            // An optimization only: the real products report any real problem.
        }
    }

    /** Completed rounds (for tests). */
    int rounds() {
        return rounds;
    }

    /** Matrices interleaved so far (for tests). */
    int interleaved() {
        return packed;
    }

    /** Whether the warm-up thread is still running (for tests). */
    boolean running() {
        return thread.isAlive();
    }

    /** The first forward pass is starting: the warm-up ends after its current round. */
    void yieldToWork() {
        stop = true;
    }

    /** Stops the warm-up and waits for it, so that the weights can be unmapped. */
    void close() {
        stop = true;
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
