package jllm.kernels;

import java.lang.foreign.MemorySegment;
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

    private final Parallel pool;
    private final Activation act = new Activation();
    private final Job job = new Job();

    /** @param pool the threads to split rows across */
    public MatMul(Parallel pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    /** The kernel path in use, e.g. "Vector API 256-bit" or "scalar". */
    public static String backend() {
        return Simd.describe();
    }

    /** {@code y[0..rows) = W x}, where x has {@code cols} floats. */
    public void matVec(Matrix w, float[] x, float[] y) {
        matVec(w, x, 0, y, 0);
    }

    /** {@code y[yOffset .. yOffset+rows) = W x[xOffset .. xOffset+cols)}. */
    public void matVec(Matrix w, float[] x, int xOffset, float[] y, int yOffset) {
        Objects.checkFromIndexSize(xOffset, w.cols(), x.length);
        Objects.checkFromIndexSize(yOffset, w.rows(), y.length);
        int kind = Activation.kindFor(w.type());
        act.prepare(kind, x, xOffset, w.cols(), 0, 1);
        run(w, kind, x, xOffset, y, yOffset, 1);
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
        int kind = Activation.kindFor(w.type());
        for (int b = 0; b < batch; b++) {
            act.prepare(kind, x, b * w.cols(), w.cols(), b, batch);
        }
        run(w, kind, x, 0, y, 0, batch);
    }

    private void run(Matrix w, int kind, float[] x, int xOff, float[] y, int yOff, int batch) {
        Job j = job;
        j.w = w.data();
        j.type = w.type();
        j.rowBytes = w.rowBytes();
        j.cols = w.cols();
        j.rows = w.rows();
        j.x = x;
        j.xOff = xOff;
        j.y = y;
        j.yOff = yOff;
        j.batch = batch;
        j.tile = Math.max(1, Math.min(batch, TILE_FLOATS / Math.max(1, w.cols())));
        try {
            if ((long) w.rows() * w.cols() * batch < INLINE_WORK || pool.threads() == 1) {
                j.run(0, w.rows());
            } else {
                pool.forRange(w.rows(), j);
            }
        } finally {
            j.w = null;
            j.x = null;
            j.y = null;
        }
    }

    /** The per-call parameters, reused so that a call allocates nothing. */
    private final class Job implements Parallel.RangeTask {
        MemorySegment w;
        GgmlType type;
        long rowBytes;
        int cols, rows, xOff, yOff, batch, tile;
        float[] x, y;

        @Override
        public void run(int from, int to) {
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
