package jllm.kernels;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

import jllm.formats.GgmlType;

/**
 * Matrix-vector and matrix-matrix products with weights in their file encoding, numerically as
 * llama.cpp's CPU backend: F32 weights take float activations; F16/BF16 weights take activations
 * rounded to F16/BF16; Q8_0/Q4_0/Q5_0 weights take the activation quantized to Q8_0, Q4_1/Q5_1 to
 * Q8_1 and the K-quants to Q8_K (once per call), and each block contributes an exact integer dot
 * product times its scales, accumulated in float.
 *
 * <p>Work is split over output rows on the {@link Parallel} pool; every row is computed by the same
 * code whatever the thread count, so results do not depend on it. An instance keeps scratch
 * buffers (the converted activation), so it allocates only when a call needs more room than any
 * earlier one, and it must not be used by two threads at once (use one per thread).
 */
public final class MatMul {
    /** Products smaller than this (rows x cols) run on the calling thread alone. */
    private static final long INLINE_WORK = 1L << 15;
    /** Activation floats per batch tile of {@link #matMul} (fits L2 with room for weight rows). */
    private static final int TILE_FLOATS = 1 << 16;

    /**
     * Which code runs matrix-matrix products ({@code --backend auto|vector|blas}).
     * <ul>
     * <li>{@code VECTOR}: the Vector API kernels only (results equal {@link #matVec} per row).</li>
     * <li>{@code AUTO}: OpenBLAS sgemm where it wins (F32 weights from a batch of
     *     {@link #AUTO_BLAS_BATCH} rows; other types from 16 (K-quants) or 32 rows, their
     *     weights dequantized to F32 tiles and multiplied with the float activation, as llama.cpp's
     *     BLAS backend does) when it loads, else silently the Vector API.</li>
     * <li>{@code BLAS}: as AUTO, but every F32 matrix-matrix product (batch 2+) goes to sgemm;
     *     constructing a MatMul with it fails when OpenBLAS cannot be loaded.</li>
     * </ul>
     * Matrix-vector products (decode) always use the Vector API kernels.
     */
    public enum Backend {
        AUTO, VECTOR, BLAS;

        /** Parses "auto", "vector" or "blas" (any case). */
        public static Backend parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown backend '" + s + "' (expected auto, vector or blas)");
            }
        }
    }

    /** Smallest batch that {@link Backend#AUTO} sends to BLAS for F32 weights. */
    public static final int AUTO_BLAS_BATCH = 32;
    /**
     * Smallest batch sent to BLAS for F16/BF16/quantized weights (dequantized to F32 tiles first),
     * with AUTO and BLAS alike; below it the integer-exact Vector API kernels are faster. K-quants
     * from 16 rows, the rest from 32 (llama.cpp's BLAS backend also starts at 32). Measured on a
     * 1B model's matrices, 2 threads, ms per activation row of an 8192x2048 matrix, BLAS vs vector:
     * Q4_K at 16 rows 0.68 vs 0.89, at 32 0.41 vs 0.88; Q6_K at 32 0.49 vs 0.68; Q8_0 at 32 0.42 vs
     * 0.56; Q4_0 at 32 0.61 vs 0.60, at 48 0.44 vs 0.62 (one thread at 32: 0.81 vs 1.37); 16 rows of
     * Q4_0 or Q8_0 are faster in the Vector API. A matrix with an interleaved copy keeps its 8-row
     * kernels, row by row, longer (copy vs BLAS: Q4_0 at 32 rows 0.32 vs 0.46, at 48 0.32 vs 0.35,
     * at 64 0.32 vs 0.30; Q4_K at 24 0.48 vs 0.54, at 32 0.48 vs 0.45; Q6_K, 2048x8192, at 32 0.48
     * vs 0.54, at 40 0.48 vs 0.46).
     */
    static int blasDequantBatch(GgmlType t, boolean interleaved) {
        if (interleaved) {
            return switch (t) {
                case Q4_0 -> 64;
                case Q6_K -> 40;
                default -> 32;
            };
        }
        return switch (t) {
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> 16;
            default -> 32;
        };
    }

    private final Parallel pool;
    private final Activation act = new Activation();
    private final Job job = new Job();
    private Backend backend = Backend.AUTO;
    private Blas blas;

    /**
     * @param pool the threads to split rows across; the backend is {@link #defaultBackend()}
     */
    public MatMul(Parallel pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
        setBackend(defaultBackend());
    }

    /** System property {@code jllm.backend} (auto, vector or blas), AUTO when unset. */
    public static Backend defaultBackend() {
        String p = System.getProperty("jllm.backend");
        return p == null || p.isBlank() ? Backend.AUTO : Backend.parse(p);
    }

    /**
     * @param pool the threads to split rows across
     * @throws IllegalStateException for {@link Backend#BLAS} when OpenBLAS cannot be loaded
     */
    public MatMul(Parallel pool, Backend backend) {
        this.pool = Objects.requireNonNull(pool, "pool");
        setBackend(backend);
    }

    /** @throws IllegalStateException for {@link Backend#BLAS} when OpenBLAS cannot be loaded */
    public void setBackend(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        Blas b = null;
        if (backend == Backend.BLAS) {
            b = Blas.load().orElseThrow(() -> new IllegalStateException(
                    "--backend blas: OpenBLAS could not be loaded (" + Blas.loadFailure() + ")"));
        }
        // AUTO loads OpenBLAS lazily, on the first product that would use it (keeps start-up cheap).
        this.backend = backend;
        this.blas = b;
        this.blasResolved = backend != Backend.AUTO;
    }

    private boolean blasResolved;

    private Blas blas() {
        if (!blasResolved) {
            blas = Blas.load().orElse(null);
            blasResolved = true;
        }
        return blas;
    }

    /**
     * Whether the product of w with {@code batch} activation rows goes to OpenBLAS (loading it
     * when it would: the product is about to need it anyway).
     */
    public boolean takesBlas(Matrix w, int batch) {
        return backend != Backend.VECTOR && w.rows() > 0 && w.cols() > 0 && useBlas(w, batch) && blas() != null;
    }

    /** The backend selected (AUTO stays AUTO even when OpenBLAS is missing). */
    public Backend selectedBackend() {
        return backend;
    }

    /** Whether OpenBLAS is (or, for AUTO, can be) used for large products; may load it. */
    public boolean usesBlas() {
        return backend != Backend.VECTOR && blas() != null;
    }

    /**
     * The JVM options, among those the fast kernels need, that this JVM was started without:
     * {@code -XX:MaxTrivialSize=1000} (without it the K-quant kernels take their slower float
     * path) and {@code -XX:-IncrementalInline} (without it C2 often compiles a kernel with slow
     * paths that copy its vectors to the heap: 15-35% slower decoding). Empty when all are set
     * (the {@code jllm} launcher sets them) or on a JVM that is not HotSpot. The inline/dontinline
     * compile commands in the README cannot be read back and are not checked.
     */
    public static List<String> missingJvmFlags() {
        return RowKernels.InlineBudget.missing();
    }

    /** The kernel path in use, e.g. "Vector API 256-bit" or "scalar". */
    public static String backend() {
        return Simd.describe();
    }

    /** {@code y[0..rows) = W x}, where x has {@code cols} floats. */
    public void matVec(Matrix w, float[] x, float[] y) {
        matVec(w, x, 0, y, 0);
    }

    /**
     * {@code y[yOffset .. yOffset+rows) = W x[xOffset .. xOffset+cols)}. Q4_0, Q4_K and Q6_K
     * matrices are read from their interleaved copy, which the first product makes (once per
     * matrix) unless {@link #copyOnFirstProduct} was turned off.
     */
    public void matVec(Matrix w, float[] x, int xOffset, float[] y, int yOffset) {
        Objects.checkFromIndexSize(xOffset, w.cols(), x.length);
        Objects.checkFromIndexSize(yOffset, w.rows(), y.length);
        MemorySegment x8 = copyOnFirstProduct ? w.interleaved(pool) : w.interleavedIfMade();
        Matrix.Part part = x8 == null && !copyOnFirstProduct ? w.partCopied() : null;
        if (part != null) {
            // A copy under way in slices: its groups done from the copy, the rest from the file's
            // rows, so that the copied rows' file pages, given back as they were copied, stay out.
            int kind = Activation.kindFor(w.type());
            int done = part.groups() * Interleave.ROWS;
            act.prepare(kind, x, xOffset, w.cols(), 0, 1);
            run(new Matrix(w.type(), done, w.cols(), w.data()), part.copy(), kind, x, xOffset, y, yOffset, 1);
            Matrix rest = new Matrix(w.type(), w.rows() - done, w.cols(), w.data().asSlice(done * w.rowBytes()));
            run(rest, null, kind, x, xOffset, y, yOffset + done, 1);
            return;
        }
        oneRow(w, x8, Activation.kindFor(w.type()), x, xOffset, y, yOffset);
    }

    private volatile boolean copyOnFirstProduct = true;

    /**
     * Whether {@link #matVec} makes a matrix's interleaved copy when it first meets it (the
     * default), or uses copies only once someone made them ({@link Matrix#interleave}) and
     * reads the file's rows until then, with the same results. A model turns it off to spread its
     * copies over its first generated tokens instead of making them all in the first one.
     */
    public void copyOnFirstProduct(boolean on) {
        copyOnFirstProduct = on;
    }

    /** One activation row through the matrix-vector kernels (of the copy x8 where not null). */
    private void oneRow(Matrix w, MemorySegment x8, int kind, float[] x, int xOffset, float[] y, int yOffset) {
        act.prepare(kind, x, xOffset, w.cols(), 0, 1);
        run(w, x8, kind, x, xOffset, y, yOffset, 1);
    }

    /**
     * Batched product: {@code x} is {@code batch x cols} row-major, {@code y} is
     * {@code batch x rows} row-major, {@code y[b] = W x[b]}. Each weight row is read once per
     * tile of activation rows; the results equal {@link #matVec} of each row exactly.
     */
    public void matMul(Matrix w, float[] x, int batch, float[] y) {
        if (batch < 0) {
            throw new IllegalArgumentException("negative batch " + batch);
        }
        Objects.checkFromIndexSize(0, Math.multiplyExact(batch, w.cols()), x.length);
        Objects.checkFromIndexSize(0, Math.multiplyExact(batch, w.rows()), y.length);
        if (backend != Backend.VECTOR && w.rows() > 0 && w.cols() > 0 && useBlas(w, batch) && blas() != null) {
            // Our pool splits the rows and each thread calls a single-threaded sgemm on its share:
            // OpenBLAS's own helper threads spin for a long while after each call and, on a small
            // machine, fight the threads that dequantize the next tile.
            blas.setThreads(1);
            BlasJob bj = blasJob;
            bj.w = w;
            bj.x8 = w.interleavedIfMade();
            bj.x = MemorySegment.ofArray(x);
            bj.y = MemorySegment.ofArray(y);
            bj.batch = batch;
            try {
                pool.forRange(w.rows(), bj);
            } finally {
                bj.w = null;
                bj.x8 = null;
                bj.x = null;
                bj.y = null;
            }
            return;
        }
        int kind = Activation.kindFor(w.type());
        MemorySegment x8 = w.interleavedIfMade();
        if (batch >= SMALL_BATCH_KERNELS && x8 == null && (RowKernels.Q4_A8 && w.type() == GgmlType.Q4_0
                || RowKernels.Q4K_A8 && w.type() == GgmlType.Q4_K)) {
            // Eight activation rows at a time; a last group too small for the eight-row kernel
            // goes row by row.
            int b0 = 0;
            for (; batch - b0 >= SMALL_BATCH_KERNELS; b0 += RowKernels.A8) {
                eightRows(w, kind, x, y, b0, Math.min(RowKernels.A8, batch - b0));
            }
            if (b0 < batch) {
                rowsBlocked(w, null, kind, x, y, b0, batch - b0);
            }
            return;
        }
        if (batch > 1 && rowByRow(w, x8, batch)) {
            rowsBlocked(w, x8, kind, x, y, 0, batch);
            return;
        }
        for (int b = 0; b < batch; b++) {
            act.prepare(kind, x, b * w.cols(), w.cols(), b, batch);
        }
        run(w, x8, kind, x, 0, y, 0, batch);
    }

    /**
     * Whether a small batch (BLAS takes the large ones) goes through the matrix-vector kernels one
     * activation row at a time rather than the tiled matrix-matrix kernel: with an interleaved copy
     * (its 8-row kernel is the fastest there is), for Q4_K's 16-bit kernel, and for any row-kernel
     * type up to {@link #ROW_BY_ROW_BATCH} rows. Same results either way (the two paths are
     * bit-identical). Measured, 8192x2048, one thread, ms per activation row at batch 7: Q4_K 1.5
     * vs 2.2; Q4_0 from its copy 0.8 vs 1.3.
     */
    private static boolean rowByRow(Matrix w, MemorySegment x8, int batch) {
        return x8 != null || (Simd.ENABLED && RowKernels.supports(w.type())
                && (batch <= ROW_BY_ROW_BATCH || RowKernels.matVecKind(w.type(), w.cols()) == RowKernels.KQ4_KS));
    }

    /**
     * Batches up to this many rows take the matrix-vector kernels row by row for every type. As
     * fast as the tiled kernel there (whole 1B model, 2 threads, 7-token prompts: Q4_0 17.3 vs 17.5
     * tokens/s, Q8_0 17.1 vs 17.1, Q4_K_M 19.1 vs 19.9; at 12 tokens the tiled kernel is 10% faster),
     * and a short first prompt then needs no tiled kernel compiled: in a cold JVM its first token
     * (7 tokens, medians of 5) came after 0.96 s instead of 1.87 (Q4_0), 0.92 instead of 1.39
     * (Q4_K_M), 0.55 instead of 0.69 (Q8_0), since C2 no longer queues the tiled kernels ahead of
     * the matrix-vector ones that the prompt's last token needs anyway.
     */
    public static final int ROW_BY_ROW_BATCH = 8;

    /**
     * Batches from this size may take kernels of their own, which one row does not use: the
     * eight-row kernels, eight rows at a time below BLAS's batches (Q4_0's, {@link RowKernels#q4_0a8},
     * with 256- and 512-bit vectors; Q4_K's, {@link RowKernels#q4_Ka8}, with 256-bit ones).
     */
    public static final int SMALL_BATCH_KERNELS = 5;

    /**
     * Whether a batched product goes to OpenBLAS: F32 weights from batch 2 ({@code BLAS}) or
     * {@link #AUTO_BLAS_BATCH} ({@code AUTO}); other types (dequantized to F32 tiles first, float
     * activations as llama.cpp's BLAS path does) from {@link #blasDequantBatch} rows with either.
     */
    private boolean useBlas(Matrix w, int batch) {
        GgmlType t = w.type();
        if (t == GgmlType.F32) {
            return batch >= (backend == Backend.BLAS ? 2 : AUTO_BLAS_BATCH);
        }
        return batch >= blasDequantBatch(t, w.interleavedIfMade() != null)
                && jllm.formats.quant.QuantCodecs.canDequantize(t);
    }

    /** Floats of one thread's dequantized weight tile (4 MiB). */
    private static final int BLAS_TILE_FLOATS = 1 << 20;
    private static final ThreadLocal<float[][]> BLAS_TILE = ThreadLocal.withInitial(() -> new float[1][0]);

    private final BlasJob blasJob = new BlasJob();

    /** y (batch x rows) = x (batch x cols) W^T for the rows [from, to): F32 straight, else per dequantized tile. */
    private final class BlasJob implements Parallel.RangeTask {
        Matrix w;
        MemorySegment x8, x, y;
        int batch;

        @Override
        public void run(int from, int to) {
            int cols = w.cols(), rows = w.rows();
            if (w.type() == GgmlType.F32) {
                blas.sgemm(false, true, batch, to - from, cols, 1f, x, cols,
                        w.data().asSlice((long) from * cols * 4), cols, 0f, y.asSlice(4L * from), rows);
                return;
            }
            int tileRows = Math.max(1, Math.min(to - from, BLAS_TILE_FLOATS / cols));
            float[][] holder = BLAS_TILE.get();
            if (holder[0].length < tileRows * cols) {
                holder[0] = new float[tileRows * cols];
            }
            float[] tile = holder[0];
            MemorySegment ts = MemorySegment.ofArray(tile);
            for (int r0 = from; r0 < to; r0 += tileRows) {
                int n = Math.min(tileRows, to - r0);
                dequantizeRows(w, x8, r0, n, tile);
                blas.sgemm(false, true, batch, n, cols, 1f, x, cols, ts, cols, 0f, y.asSlice(4L * r0), rows);
            }
        }
    }

    /** Rows [r0, r0+n) of w (read from x8, its interleaved copy, where not null) as floats into out (row-major). */
    private static void dequantizeRows(Matrix w, MemorySegment x8, int r0, int n, float[] out) {
        long rb = w.rowBytes();
        int cols = w.cols();
        if (x8 != null) {
            Scratch sc = SCRATCH.get();
            long gb = Interleave.groupBytes(w.type(), cols);
            sc.ensure((int) gb + 64, 0, RowKernels.KMETA * (cols / 256) + cols / 32);
            if (w.type() == GgmlType.Q6_K) {   // a group at a time, its rows in [r0, r0+n)
                for (int r = r0; r < r0 + n; ) {
                    int lo = r % Interleave.ROWS, hi = Math.min(Interleave.ROWS, lo + r0 + n - r);
                    MemorySegment.copy(x8, java.lang.foreign.ValueLayout.JAVA_BYTE, r / Interleave.ROWS * gb, sc.w, 0, (int) gb);
                    Q6_Kx8.dequantizeRows(sc.w, 0, cols / 256, lo, hi, out, (r - r0) * cols, cols);
                    r += hi - lo;
                }
                return;
            }
            sc.ensureRow((int) rb + 64);
            int loaded = -1;
            for (int r = 0; r < n; r++) {
                loaded = Interleave.unpackRow(w.type(), x8, gb, cols, r0 + r, loaded, sc.w, sc.row);
                RowKernels.dequantize(w.type(), sc.row, out, r * cols, sc.m, cols);
            }
            return;
        }
        if (Simd.ENABLED && RowKernels.supports(w.type())) {
            Scratch sc = SCRATCH.get();
            sc.ensure((int) rb + 64, 0, RowKernels.KMETA * (cols / 256) + cols / 32);
            RowLoops.dequantize(RowKernels.kind(w.type()), w.data(), rb, r0, n, sc.w, out, sc.m, cols);
            return;
        }
        for (int r = 0; r < n; r++) {
            jllm.formats.quant.QuantCodecs.dequantize(w.type(), w.data(), (r0 + r) * rb, out, r * cols, cols);
        }
    }

    /** x8: the interleaved copy (Q4_0, Q4_K, Q6_K; batch 1 only) to read instead of the rows, or null. */
    private void run(Matrix w, MemorySegment x8, int kind, float[] x, int xOff, float[] y, int yOff, int batch) {
        boolean groups = x8 != null && batch == 1;   // the interleaved matVec works in groups of 8 rows
        if (batch == 1) {
            matVecCodes(act, w, x8);
        }
        Job j = job(w, x8, x, xOff, y, yOff, batch, null);
        int units = groups ? w.rows() / Interleave.ROWS : w.rows();
        try {
            if ((long) w.rows() * w.cols() * batch < INLINE_WORK || pool.threads() == 1) {
                j.run(0, units);
            } else if (batch == 1 && DYNAMIC) {
                int grain = matVecGrain(w.rows(), pool.threads());
                pool.forChunks(units, groups ? Math.max(1, grain / Interleave.ROWS) : grain, j);
            } else {
                pool.forRange(units, j);
            }
        } finally {
            j.release();
        }
    }

    /**
     * The shared job set up for w (read from its copy x8 where not null): {@code batch} rows of x
     * at xOff into y at yOff, or, with {@code acts}, that many prepared activations one matVec each.
     */
    private Job job(Matrix w, MemorySegment x8, float[] x, int xOff, float[] y, int yOff, int batch, Activation[] acts) {
        Job j = job;
        j.w = x8 != null ? x8 : w.data();
        j.interleaved = x8 != null;
        j.type = w.type();
        j.rowBytes = w.rowBytes();
        j.cols = w.cols();
        j.rows = w.rows();
        j.x = x;
        j.xOff = xOff;
        j.y = y;
        j.yOff = yOff;
        j.acts = acts;
        j.batch = acts != null ? 1 : batch;
        j.vecBatch = acts != null ? batch : 0;
        j.tile = Math.max(1, Math.min(batch, TILE_FLOATS / Math.max(1, w.cols())));
        return j;
    }

    /** The codes the matVec kernels read beyond prepare's: the 16-bit kernels read them as shorts, the interleaved ones in pairs. */
    private static void matVecCodes(Activation a, Matrix w, MemorySegment x8) {
        int k = RowKernels.matVecKind(w.type(), w.cols());
        if (x8 != null && w.type() == GgmlType.Q4_K) {
            a.pairCodesQ4K(w.cols());
        } else if (x8 != null) {
            a.pairCodes(w.cols());
        } else if (k == RowKernels.KQ4_KS) {
            a.q4kCodes(w.cols(), RowKernels.q4kLanes());
        } else if (k >= RowKernels.KQ4_0S) {
            a.shortCodes(w.cols());
        }
    }

    /**
     * Weight bytes per block of {@link #rowsBlocked}: well inside a core's L2 cache (0.5-2 MB on
     * current x86 cores) beside the activations. 32 KB to 768 KB measured the same.
     */
    private static final int BLOCK_BYTES = 128 << 10;

    /**
     * Activation rows [first, first+count) of x (count at most {@link RowKernels#A8}) times a
     * Q4_0 matrix with {@link RowKernels#q4_0a8}, into rows [first, first+count) of y.
     */
    private void eightRows(Matrix w, int kind, float[] x, float[] y, int first, int count) {
        int cols = w.cols();
        for (int b = 0; b < count; b++) {
            act.prepare(kind, x, (first + b) * cols, cols, b, RowKernels.A8);
        }
        if (w.type() == GgmlType.Q4_K) {
            act.transposeQ8K(cols, count, RowKernels.q4kLanes());
        } else {
            act.transposeScales(cols, count);
        }
        Job j = job(w, null, x, 0, y, first * w.rows(), count, null);
        j.a8 = true;
        try {
            if ((long) w.rows() * cols * count < INLINE_WORK || pool.threads() == 1) {
                j.run(0, w.rows());
            } else {
                pool.forChunks(w.rows(), RowLoops.A8_ROWS, j);
            }
        } finally {
            j.release();
        }
    }

    /** One prepared activation per row of a small batch ({@link #rowsBlocked}); grows on demand. */
    private Activation[] acts = new Activation[0];

    /**
     * A small batch through the matrix-vector kernels with the weights read once: every activation
     * row is prepared as a matVec row of its own, then each block of weight rows (small enough to
     * stay in the core's L2 cache) meets every activation row in turn. The same kernels, and so
     * the same results, as one matVec per activation row, which read the whole matrix once per
     * row: from memory where it does not fit the last-level cache. Batch 7, 2 threads, ms per
     * activation row: Q4_0 131072x2048 (151 MB) 12.2 -> 7.8, Q4_K 32768x8192 (151 MB) 8.1 -> 5.4;
     * a 1B model's matrices (at most 9.4 MB) fit this machine's 32 MB L3, and its 7-token prompt
     * was 5-10% faster.
     */
    private void rowsBlocked(Matrix w, MemorySegment x8, int kind, float[] x, float[] y, int first, int batch) {
        if (acts.length < batch) {
            Activation[] a = java.util.Arrays.copyOf(acts, batch);
            for (int b = acts.length; b < batch; b++) {
                a[b] = new Activation();
            }
            acts = a;
        }
        int cols = w.cols();
        for (int b = 0; b < batch; b++) {
            acts[b].prepare(kind, x, (first + b) * cols, cols, 0, 1);
            matVecCodes(acts[b], w, x8);
        }
        boolean groups = x8 != null;
        Job j = job(w, x8, x, 0, y, first * w.rows(), batch, acts);
        long unitBytes = groups ? Interleave.groupBytes(w.type(), cols) : w.rowBytes();
        int block = (int) Math.max(groups ? 1 : 2, (BLOCK_BYTES / unitBytes) & (groups ? -1 : -2));
        j.block = block;
        int units = groups ? w.rows() / Interleave.ROWS : w.rows();
        try {
            if ((long) w.rows() * cols * batch < INLINE_WORK || pool.threads() == 1) {
                j.run(0, units);
            } else {
                pool.forChunks(units, block, j);
            }
        } finally {
            j.release();
        }
    }

    /** {@code -Djllm.parallel.dynamic=false}: one fixed share of rows per thread in matVec too. */
    private static final boolean DYNAMIC = !"false".equals(System.getProperty("jllm.parallel.dynamic"));

    /**
     * Rows per chunk of a parallel matVec: about 8 chunks per thread (balance when a core is
     * shared with another process, at one atomic add per chunk), even (the Q4_0 kernel takes rows
     * in pairs), at least 16.
     */
    static int matVecGrain(int rows, int threads) {
        int g = rows / (8 * threads);
        return Math.max(16, (g + 1) & ~1);
    }

    /** The per-call parameters, reused so that a call allocates nothing. */
    private final class Job implements Parallel.RangeTask {
        MemorySegment w;
        /** Whether w is an interleaved copy; the matVec's ranges then count groups of 8 rows. */
        boolean interleaved;
        GgmlType type;
        long rowBytes;
        int cols, rows, xOff, yOff, batch, tile;
        float[] x, y;
        /** Blocked row-by-row batch ({@link #rowsBlocked}): one prepared activation per batch row, else null. */
        Activation[] acts;
        int vecBatch, block;
        /** A small Q4_0 batch, all rows at once in {@link RowKernels#q4_0a8}. */
        boolean a8;

        /** Drops the references to the caller's arrays and the mapped weights. */
        void release() {
            a8 = false;
            w = null;
            x = null;
            y = null;
            acts = null;
        }

        private void runRows(int from, int to) {
            runRowsImpl(this, from, to);
        }

        @Override
        public void run(int from, int to) {
            if (Simd.ENABLED && RowKernels.supports(type)) {
                runRows(from, to);
                return;
            }
            for (int b0 = 0; b0 < batch; b0 += tile) {
                int b1 = Math.min(batch, b0 + tile);
                for (int r = from; r < to; r++) {
                    long off = r * rowBytes;
                    for (int b = b0; b < b1; b++) {
                        y[yOff + b * rows + r] = dot(type, w, off, cols, x, xOff + b * cols, act, b);
                    }
                }
            }
        }
    }

    /** Per-thread scratch of the byte[] row kernels: the copied row, decoded codes and metadata. */
    static final class Scratch {
        byte[] w = new byte[0];
        /** One row put back in the file's encoding (interleaved rows). */
        byte[] row = new byte[0];
        /** The interleaved kernels' totals: Q4_K's 8 integer ones, and the float ones (a vector of the preferred width). */
        final int[] acc8 = new int[8];
        final float[] tot = new float[Math.max(8, VecKernels.F.length())];
        /** The eight-row Q4_0 kernel's totals, a vector's floats for each row of a copied block ({@link RowLoops#matMulQ4_0A8}). */
        final float[] tot8 = new float[VecKernels.FL * RowLoops.A8_ROWS];
        /** The eight-row Q4_K kernel's running integer sums, 8 per activation row ({@link RowLoops#matMulQ4_KA8}). */
        final int[] acc64 = new int[8 * RowKernels.A8];
        float[] c = new float[0];
        float[] m = new float[0];

        void ensureRow(int rowBytes) {
            if (row.length < rowBytes) {
                row = new byte[rowBytes];
            }
        }

        void ensure(int rowBytes, int codes, int meta) {
            if (w.length < rowBytes) {
                w = new byte[rowBytes];
            }
            if (c.length < codes) {
                c = new float[codes];
            }
            if (m.length < meta) {
                m = new float[meta];
            }
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Rows [from, to) with the byte[] row kernels (see {@link RowKernels}). */
    private void runRowsImpl(Job j, int from, int to) {
        Scratch sc = SCRATCH.get();
        if (j.a8) {
            sc.ensure(RowLoops.A8_ROWS * (int) j.rowBytes + 64, 0, 0);
            if (j.type == GgmlType.Q4_K) {
                RowLoops.matMulQ4_KA8(j.w, j.rowBytes, from, to, sc.w, sc.acc64, sc.tot8, act, j.cols, j.batch, j.y, j.yOff, j.rows);
            } else {
                RowLoops.matMulQ4_0A8(j.w, j.rowBytes, from, to, sc.w, sc.tot8, act, j.cols, j.batch, j.y, j.yOff, j.rows);
            }
            return;
        }
        if (j.acts != null) {
            for (int r0 = from; r0 < to; r0 += j.block) {
                int r1 = Math.min(to, r0 + j.block);
                for (int b = 0; b < j.vecBatch; b++) {
                    matVecRows(j, sc, j.acts[b], r0, r1, j.yOff + b * j.rows);
                }
            }
            return;
        }
        if (j.batch == 1) {
            matVecRows(j, sc, act, from, to, j.yOff);
            return;
        }
        int n = j.cols;
        int rb = (int) j.rowBytes;
        int kind = RowKernels.kind(j.type);
        int chunk = RowKernels.ROW_CHUNK;
        sc.ensure(rb + 64, chunk * n, chunk * RowKernels.metaPerRow(kind, n));
        RowLoops.matMul(kind, j.w, j.rowBytes, from, to, sc.w, sc.c, sc.m, act, n, j.batch, j.y, j.yOff, j.rows);
    }

    /** Rows (or, interleaved, groups) [from, to) times one prepared activation row a, into y[yOff + r]. */
    private static void matVecRows(Job j, Scratch sc, Activation a, int from, int to, int yOff) {
        int n = j.cols;
        int rb = (int) j.rowBytes;
        int kind = RowKernels.kind(j.type);
        if (j.interleaved) {   // matMul goes row by row where a copy exists; from, to: groups
            long gb = Interleave.groupBytes(j.type, n);
            if (kind == RowKernels.KQ4_K) {
                RowLoops.matVecQ4_Kx8(j.w, gb, from, to, sc.acc8, sc.tot, a, n, j.y, yOff);
            } else if (kind == RowKernels.KQ6_K) {
                RowLoops.matVecQ6_Kx8(j.w, gb, from, to, sc.acc8, sc.tot, a, n, j.y, yOff);
            } else {
                RowLoops.matVecQ4_0x8(j.w, gb, from, to, sc.tot, a, n, j.y, yOff);
            }
            return;
        }
        if (kind == RowKernels.KQ8_0) {
            // Q8_0's small kernel compiles measurably better in this loop than in its RowLoops
            // method (2.1 vs 2.6 ns per block: there the array base spilled and a range check
            // stayed in the loop); it is small enough to sit here beside any other kind.
            sc.ensure(rb + 64, 0, 0);
            byte[] wb = sc.w;
            float[] q = a.q, d = a.d;
            for (int r = from; r < to; r++) {
                MemorySegment.copy(j.w, java.lang.foreign.ValueLayout.JAVA_BYTE, r * j.rowBytes, wb, 0, rb);
                j.y[yOff + r] = RowKernels.q8_0(wb, q, 0, d, 0, n);
            }
            return;
        }
        sc.ensure(2 * rb + 64, 0, 0);   // two rows for the two-row Q4_0 kernel
        RowLoops.matVec(RowKernels.matVecKind(j.type, n), j.w, j.rowBytes, from, to, sc.w, a, n, j.y, yOff);
    }

    /** One weight row (at byte {@code off}) times activation row {@code b}. */
    static float dot(GgmlType type, MemorySegment w, long off, int n, float[] x, int xi, Activation a, int b) {
        int qi = b * n;
        int d32 = b * (n / 32);
        int d256 = b * (n / 256);
        int s16 = b * (n / 16);
        float[] q = a.q, d = a.d, s = a.s;
        if (Simd.ENABLED) {
            return switch (type) {
                case F32 -> VecKernels.f32(w, off, x, xi, n);
                case F16 -> VecKernels.f16(w, off, q, qi, n);
                case BF16 -> VecKernels.bf16(w, off, q, qi, n);
                case Q8_0 -> VecKernels.q8_0(w, off, q, qi, d, d32, n);
                case Q4_0 -> VecKernels.q4_0(w, off, q, qi, d, d32, n);
                case Q4_1 -> VecKernels.q4_1(w, off, q, qi, d, d32, s, d32, n);
                case Q5_0 -> VecKernels.q5_0(w, off, q, qi, d, d32, n);
                case Q5_1 -> VecKernels.q5_1(w, off, q, qi, d, d32, s, d32, n);
                case Q2_K -> VecKernels.q2_K(w, off, q, qi, d, d256, s, s16, n);
                case Q3_K -> VecKernels.q3_K(w, off, q, qi, d, d256, n);
                case Q4_K -> VecKernels.q4_K(w, off, q, qi, d, d256, s, s16, n);
                case Q5_K -> VecKernels.q5_K(w, off, q, qi, d, d256, s, s16, n);
                case Q6_K -> VecKernels.q6_K(w, off, q, qi, d, d256, n);
                default -> throw new IllegalArgumentException("no kernel for " + type);
            };
        }
        return scalarDot(type, w, off, n, x, xi, a, b);
    }

    static float scalarDot(GgmlType type, MemorySegment w, long off, int n, float[] x, int xi, Activation a, int b) {
        int qi = b * n;
        int d32 = b * (n / 32);
        int d256 = b * (n / 256);
        int s16 = b * (n / 16);
        float[] q = a.q, d = a.d, s = a.s;
        return switch (type) {
            case F32 -> ScalarKernels.f32(w, off, x, xi, n);
            case F16 -> ScalarKernels.f16(w, off, q, qi, n);
            case BF16 -> ScalarKernels.bf16(w, off, q, qi, n);
            case Q8_0 -> ScalarKernels.q8_0(w, off, q, qi, d, d32, n);
            case Q4_0 -> ScalarKernels.q4_0(w, off, q, qi, d, d32, n);
            case Q4_1 -> ScalarKernels.q4_1(w, off, q, qi, d, d32, s, d32, n);
            case Q5_0 -> ScalarKernels.q5_0(w, off, q, qi, d, d32, n);
            case Q5_1 -> ScalarKernels.q5_1(w, off, q, qi, d, d32, s, d32, n);
            case Q2_K -> ScalarKernels.q2_K(w, off, q, qi, d, d256, s, s16, n);
            case Q3_K -> ScalarKernels.q3_K(w, off, q, qi, d, d256, n);
            case Q4_K -> ScalarKernels.q4_K(w, off, q, qi, d, d256, s, s16, n);
            case Q5_K -> ScalarKernels.q5_K(w, off, q, qi, d, d256, s, s16, n);
            case Q6_K -> ScalarKernels.q6_K(w, off, q, qi, d, d256, n);
            default -> throw new IllegalArgumentException("no kernel for " + type);
        };
    }
}
