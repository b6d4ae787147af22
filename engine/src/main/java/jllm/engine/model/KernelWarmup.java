package jllm.engine.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jllm.formats.GgmlType;
import jllm.kernels.MatMul;
import jllm.kernels.Matrix;
import jllm.kernels.Parallel;

/**
 * Starts the JIT on the matrix kernels while the caller is still loading (building a 128k
 * tokenizer, parsing the command line). Until C2 has compiled them, Vector API kernels run
 * interpreted or in C1, where every vector is a heap object, and a 1B model's first prompt took
 * 1.5-1.8 s instead of 0.4 s.
 *
 * <p>First the kernels a forward pass needs, each multiplying a few rows of the model's own
 * weights ({@link #SAMPLE_COLS} columns wide) with private single-thread {@link MatMul}s: the
 * layers' weight types by {@link #FIRST_BATCH} rows (a short prompt's path: the matrix-vector
 * kernels row by row, or Q4_0's eight-row kernel), one thread per type so that their compiles run
 * side by side; then by one activation row (the matrix-vector kernels that every generated token
 * uses; for most types compiled by then); then the output matrix's type, where it differs (a Q4_0
 * file's Q6_K output). With the launcher's flags (a lowered compile threshold for the row loops,
 * {@code -XX:CompileCommand=CompileThresholdScaling,jllm.kernels.RowLoops::*,0.001}, and blocking
 * compiles) the first product of each returns with C2's code in place.
 *
 * <p>The first forward pass waits for the layers' kernels it uses (a pass of
 * {@link MatMul#SMALL_BATCH_KERNELS} or more tokens for the short prompt's, a shorter one for the
 * one-row ones too) and for the vector operations ({@link OpsWarmup}), and its output product
 * for the output's kernel, at most {@link #MAX_WAIT_NANOS} each. A 7-token prompt of a Q4_0 file
 * thus starts while its one-row kernels compile (with the eight-row kernel, cold 1B Q4_0 under
 * {@code -XX:UseAVX=2}, medians of 14 alternating runs from JVM start: 1.01 -> 0.95 s; the forward
 * pass starts 35 ms later and ends 90 ms sooner). Started before them, a 1B model's first layer ran 0.2-0.45 s in
 * C1's code, on the two cores that the compiles it waited for needed too; waiting, the first
 * token came sooner (cold 1B starts under {@code -XX:UseAVX=2}, medians of 10 alternating runs,
 * from JVM start, with RowLoops' per-kind loops: Q4_0 1.10 -> 1.03 s, Q4_K_M 1.22 -> 1.07 s,
 * Q8_0 0.93 -> 0.89 s; with AVX-512, of 8: Q4_0 0.91 -> 0.90 s, Q4_K_M 0.82 -> 0.74 s).
 *
 * <p>Then, until the first forward pass begins, rounds over all the samples. Once they run
 * compiled, the same thread also warms the tiled matrix-matrix kernels of prompts longer than
 * {@link MatMul#ROW_BY_ROW_BATCH} tokens (batches one, two and three rows past a multiple of 4,
 * so that every tail of the 4-row kernel runs before C2 compiles it: a branch never taken would
 * be compiled as a trap, and a prompt would pay for the recompilation) and the 8-row kernels on
 * interleaved copies of the samples; and, one between rounds, it makes the interleaved copies of
 * the model's matrices that have them ({@link Matrix#interleave}, the only state it shares with
 * the model), layer by layer; the generated tokens make the rest, a few each
 * ({@link Transformer#copySome}). The rounds stop when a forward pass begins (the two must not
 * fight for cores), after {@link #MAX_NANOS}, or when the model closes.
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
    /** At most this many products per sample before the forward pass may start (see {@link #untilCompiled}). */
    private static final int FIRST_CALLS = 4;
    /**
     * A short prompt's products: one prepared activation per row, each block of weight rows read
     * once ({@code MatMul.rowsBlocked}), or for Q4_0 all rows at once in its eight-row kernel
     * (from 5 rows, {@code RowKernels.q4_0a8}). For the other types 7 rows run the same kernels as 2.
     */
    private static final int FIRST_BATCH = 7;
    /** A sample's product this fast ran compiled (8 rows x 512 columns: tens of microseconds, against milliseconds in C1). */
    private static final long COMPILED_CALL_NANOS = 500_000L;
    /** The longest the first forward pass waits for the warm-up, per wait. */
    static final long MAX_WAIT_NANOS = 1_500_000_000L;
    /**
     * A round this fast ran compiled kernels (a 1B model's take 1-3 ms compiled, 10-100x that
     * before): copies are made only then, so that they never hold up the compiles.
     */
    static final long HOT_ROUND_NANOS = 10_000_000L;

    private final Thread thread;
    private volatile boolean stop;
    private volatile boolean closing;
    private volatile int rounds;
    private volatile int packed;
    /**
     * Counted down once the layers' kernels are compiled for a short prompt ({@link #FIRST_BATCH}
     * rows), then for one row, then the output's (or when the warm-up ended).
     */
    private final CountDownLatch promptReady = new CountDownLatch(1);
    private final CountDownLatch layersReady = new CountDownLatch(1);
    private final CountDownLatch outputReady = new CountDownLatch(1);

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
        List<Sample> samples = samples(w);
        KernelWarmup k = new KernelWarmup(samples, toInterleave(w));
        if (!"false".equals(System.getProperty("jllm.warmup")) && !samples.isEmpty()) {
            OpsWarmup.start();
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
            // First the kernels a forward pass needs: the layers' for a short prompt (a pass of
            // MatMul.SMALL_BATCH_KERNELS tokens or more waits for them), then for one row (shorter
            // passes wait for those too), then the output's (the pass runs its layers meanwhile).
            layerKernels(samples, mm, x, y);
            promptReady.countDown();
            for (Sample s : samples) {
                if (s.batched()) {
                    untilCompiled(mm, s.matrix(), x, y, 1);
                }
            }
            layersReady.countDown();
            for (Sample s : samples) {
                if (!s.batched()) {
                    untilCompiled(mm, s.matrix(), x, y, 1);
                }
            }
            outputReady.countDown();
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
        } finally {
            promptReady.countDown();
            layersReady.countDown();
            outputReady.countDown();
        }
    }

    /**
     * The layers' kernels, one weight type per thread (this one and helpers): their compiles then
     * run side by side, and each thread profiles one type's kernel only. A Q4_K_M file's Q4_K and
     * Q6_K kernels, cold 1B start under {@code -XX:UseAVX=2}, medians of 10: first token 1.17 ->
     * 1.14 s.
     */
    private void layerKernels(List<Sample> samples, MatMul mm, float[] x, float[] y) {
        List<Thread> helpers = new ArrayList<>();
        Matrix mine = null;
        for (Sample s : samples) {
            if (!s.batched()) {
                continue;
            }
            if (mine == null) {
                mine = s.matrix();
                continue;
            }
            Matrix m = s.matrix();
            helpers.add(Thread.ofPlatform().daemon().name("jllm-kernel-warmup-" + m.type()).start(() -> {
                try (Parallel one = new Parallel(1)) {
                    untilCompiled(new MatMul(one, MatMul.Backend.VECTOR), m, x, new float[y.length], FIRST_BATCH);
                } catch (RuntimeException e) {
                    // An optimization only, as in run.
                }
            }));
        }
        if (mine != null) {
            untilCompiled(mm, mine, x, y, FIRST_BATCH);
        }
        for (Thread h : helpers) {
            boolean interrupted = false;
            while (h.isAlive()) {
                try {
                    h.join();
                } catch (InterruptedException e) {
                    interrupted = true;   // close() ends the helpers soon (closing)
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Multiplies the sample with {@code batch} activation rows until a product runs compiled, at
     * most {@link #FIRST_CALLS} times. With the launcher's flags the first call does it: the kernels'
     * compiles are blocking there, so that call returns with C2's code in place. Without them
     * (default thresholds) no few calls would, and the forward pass is not held up for long.
     */
    private void untilCompiled(MatMul mm, Matrix sample, float[] x, float[] y, int batch) {
        for (int call = 0; call < FIRST_CALLS && !closing; call++) {
            long start = System.nanoTime();
            mm.matMul(sample, x, batch, y);
            if (System.nanoTime() - start < COMPILED_CALL_NANOS) {
                return;
            }
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

    /** Whether the layers' kernels for a short prompt are compiled, or the warm-up gave up on them (for tests). */
    boolean promptReady() {
        return promptReady.getCount() == 0;
    }

    /** Whether the layers' kernels are compiled, or the warm-up gave up on them (for tests). */
    boolean layersReady() {
        return layersReady.getCount() == 0;
    }

    /** Whether the output's kernel is compiled, or the warm-up gave up on it (for tests). */
    boolean outputReady() {
        return outputReady.getCount() == 0;
    }

    /** Whether the warm-up thread is still running. */
    boolean running() {
        return thread.isAlive();
    }

    /**
     * A forward pass of {@code tokens} tokens is starting: the warm-up's rounds end after the
     * current one, and the first pass waits until the layers' kernels it uses and the vector
     * operations are compiled (at once when they are, or when the warm-up is not running). From
     * {@link MatMul#SMALL_BATCH_KERNELS} tokens the layers' products take the short prompt's
     * kernels ({@link #FIRST_BATCH} rows), which are compiled first; a shorter pass waits for the
     * one-row kernels too; a pass whose layers all go to OpenBLAS ({@code onBlas}) waits for none
     * (its last layer's last row waits for the one-row kernels, {@link #awaitOneRowKernels}).
     */
    void yieldToWork(int tokens, boolean onBlas) {
        stop = true;
        if (thread.isAlive()) {
            long deadline = System.nanoTime() + MAX_WAIT_NANOS;
            try {
                if (!onBlas) {
                    (tokens >= MatMul.SMALL_BATCH_KERNELS ? promptReady : layersReady)
                            .await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                }
                OpsWarmup.await(deadline - System.nanoTime());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A pass's last row is about to go through the last layer alone: waits until the one-row kernels are compiled. */
    void awaitOneRowKernels() {
        awaitWhileRunning(layersReady);
    }

    /** A forward pass is about to multiply by the output matrix: waits until its kernel is compiled. */
    void awaitOutputKernel() {
        awaitWhileRunning(outputReady);
    }

    /** Waits at most {@link #MAX_WAIT_NANOS} for the latch, at once when the warm-up is not running. */
    private void awaitWhileRunning(CountDownLatch ready) {
        if (thread.isAlive()) {
            try {
                ready.await(MAX_WAIT_NANOS, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops the warm-up and waits for it, so that the weights can be unmapped. */
    void close() {
        stop = true;
        closing = true;
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
