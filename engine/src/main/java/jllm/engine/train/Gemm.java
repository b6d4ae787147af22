package jllm.engine.train;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import jllm.kernels.Blas;
import jllm.kernels.MatMul;
import jllm.kernels.Parallel;
import jllm.kernels.VectorMath;

/**
 * The one matrix product training needs, in three layouts: {@code C (+)= A B} where B is
 * row-major and A is read through a row stride and a k stride, so the same register-blocked
 * Vector API kernel serves {@code X W} (A = X), {@code dY W} and {@code dY^T X} (A read
 * transposed). Rows of C are split across the pool in tiles of four; every element is summed over
 * k in the same order whatever the thread count, so results do not depend on it. An instance
 * holds its call parameters in fields, so a call allocates nothing; it is not thread-safe.
 *
 * <p>Large products go to OpenBLAS when it loads (unless {@code -Djllm.backend=vector}): chunks of
 * {@value #BLAS_ROWS} rows of C, each one single-threaded {@code sgemm}, spread over the pool. The
 * chunks do not depend on the thread count, so neither do the results.
 */
final class Gemm {
    private static final VectorSpecies<Float> S = VectorMath.floatSpecies();
    private static final int L = S.length();
    private static final int TILE = 4;
    /** Products below this many multiply-adds run on the calling thread. */
    private static final long INLINE = 1L << 16;

    /** Multiply-adds from which a product goes to OpenBLAS (below, the call overhead dominates). */
    static final long BLAS_MIN_WORK = 1L << 21;
    /** Rows of C per sgemm call. */
    static final int BLAS_ROWS = 64;

    private final Parallel pool;
    private final Blas blas;
    private final Parallel.RangeTask task = this::rows;
    private final Parallel.RangeTask blasTask = this::blasChunks;
    private float[] c, a, b;
    private int ldc, ars, aks, ldb, m, n, k;
    private boolean accumulate;

    Gemm(Parallel pool) {
        this(pool, MatMul.defaultBackend() == MatMul.Backend.VECTOR ? null : Blas.load().orElse(null));
    }

    /** With {@code blas} null, every product runs on the Vector API kernel. */
    Gemm(Parallel pool, Blas blas) {
        this.pool = pool;
        this.blas = blas;
    }

    /**
     * {@code C[i][j] (+)= sum_p A[i*ars + p*aks] * B[p*ldb + j]} for i &lt; m, j &lt; n, p &lt; k;
     * C is row-major with row stride ldc.
     */
    void multiply(float[] c, int ldc, float[] a, int ars, int aks, float[] b, int ldb, int m, int n, int k,
                  boolean accumulate) {
        this.c = c;
        this.ldc = ldc;
        this.a = a;
        this.ars = ars;
        this.aks = aks;
        this.b = b;
        this.ldb = ldb;
        this.m = m;
        this.n = n;
        this.k = k;
        this.accumulate = accumulate;
        int tiles = (m + TILE - 1) / TILE;
        try {
            if (blas != null && (long) m * n * k >= BLAS_MIN_WORK && (aks == 1 || ars == 1)) {
                blas.setThreads(1);
                int chunks = (m + BLAS_ROWS - 1) / BLAS_ROWS;
                if (pool.threads() == 1) {
                    blasChunks(0, chunks);
                } else {
                    pool.forRange(chunks, blasTask);
                }
            } else if ((long) m * n * k < INLINE || pool.threads() == 1) {
                rows(0, tiles);
            } else {
                pool.forRange(tiles, task);
            }
        } finally {
            this.c = null;
            this.a = null;
            this.b = null;
        }
    }

    /** Row chunks [from, to) of C through sgemm; A is row-major (aks == 1) or read transposed (ars == 1). */
    private void blasChunks(int from, int to) {
        MemorySegment as = MemorySegment.ofArray(a), bs = MemorySegment.ofArray(b), cs = MemorySegment.ofArray(c);
        boolean transA = aks != 1;
        for (int ch = from; ch < to; ch++) {
            int i0 = ch * BLAS_ROWS, rows = Math.min(BLAS_ROWS, m - i0);
            // op(A) rows i0..: row-major A starts at row i0; a transposed A (stored k x m, row
            // stride aks) starts at column i0.
            MemorySegment ai = transA ? as.asSlice(4L * i0) : as.asSlice(4L * i0 * ars);
            blas.sgemm(transA, false, rows, n, k, 1f, ai, transA ? aks : ars, bs, ldb,
                    accumulate ? 1f : 0f, cs.asSlice(4L * i0 * ldc), ldc);
        }
    }

    /** {@code y = x W^T}: x is rows x in, W (out x in) given transposed as wt (in x out). */
    void forward(float[] y, float[] x, float[] wt, int rows, int in, int out) {
        multiply(y, out, x, in, 1, wt, out, rows, out, in, false);
    }

    /** {@code dx += dy W}: dy is rows x out, W is out x in. */
    void backwardInput(float[] dx, float[] dy, float[] w, int rows, int in, int out) {
        multiply(dx, in, dy, out, 1, w, in, rows, in, out, true);
    }

    /** {@code dW += dy^T x}: dW is out x in. */
    void backwardWeight(float[] dw, float[] dy, float[] x, int rows, int in, int out) {
        multiply(dw, in, dy, 1, out, x, in, out, in, rows, true);
    }

    private void rows(int fromTile, int toTile) {
        int i = fromTile * TILE, end = Math.min(m, toTile * TILE);
        for (; i + TILE <= end; i += TILE) {
            block4(i);
        }
        for (; i < end; i++) {
            block1(i);
        }
    }

    private void block4(int i) {
        float[] c = this.c, a = this.a, b = this.b;
        int a0 = i * ars, a1 = a0 + ars, a2 = a1 + ars, a3 = a2 + ars;
        int c0 = i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        int j = 0;
        for (; j + 2 * L <= n; j += 2 * L) {
            FloatVector s00, s01, s10, s11, s20, s21, s30, s31;
            if (accumulate) {
                s00 = FloatVector.fromArray(S, c, c0 + j);
                s01 = FloatVector.fromArray(S, c, c0 + j + L);
                s10 = FloatVector.fromArray(S, c, c1 + j);
                s11 = FloatVector.fromArray(S, c, c1 + j + L);
                s20 = FloatVector.fromArray(S, c, c2 + j);
                s21 = FloatVector.fromArray(S, c, c2 + j + L);
                s30 = FloatVector.fromArray(S, c, c3 + j);
                s31 = FloatVector.fromArray(S, c, c3 + j + L);
            } else {
                s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = FloatVector.zero(S);
            }
            for (int p = 0; p < k; p++) {
                int bo = p * ldb + j, ao = p * aks;
                FloatVector b0 = FloatVector.fromArray(S, b, bo);
                FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
                FloatVector x = FloatVector.broadcast(S, a[a0 + ao]);
                s00 = b0.fma(x, s00);
                s01 = b1.fma(x, s01);
                x = FloatVector.broadcast(S, a[a1 + ao]);
                s10 = b0.fma(x, s10);
                s11 = b1.fma(x, s11);
                x = FloatVector.broadcast(S, a[a2 + ao]);
                s20 = b0.fma(x, s20);
                s21 = b1.fma(x, s21);
                x = FloatVector.broadcast(S, a[a3 + ao]);
                s30 = b0.fma(x, s30);
                s31 = b1.fma(x, s31);
            }
            s00.intoArray(c, c0 + j);
            s01.intoArray(c, c0 + j + L);
            s10.intoArray(c, c1 + j);
            s11.intoArray(c, c1 + j + L);
            s20.intoArray(c, c2 + j);
            s21.intoArray(c, c2 + j + L);
            s30.intoArray(c, c3 + j);
            s31.intoArray(c, c3 + j + L);
        }
        for (; j + L <= n; j += L) {
            FloatVector s0, s1, s2, s3;
            if (accumulate) {
                s0 = FloatVector.fromArray(S, c, c0 + j);
                s1 = FloatVector.fromArray(S, c, c1 + j);
                s2 = FloatVector.fromArray(S, c, c2 + j);
                s3 = FloatVector.fromArray(S, c, c3 + j);
            } else {
                s0 = s1 = s2 = s3 = FloatVector.zero(S);
            }
            for (int p = 0; p < k; p++) {
                int ao = p * aks;
                FloatVector b0 = FloatVector.fromArray(S, b, p * ldb + j);
                s0 = b0.fma(FloatVector.broadcast(S, a[a0 + ao]), s0);
                s1 = b0.fma(FloatVector.broadcast(S, a[a1 + ao]), s1);
                s2 = b0.fma(FloatVector.broadcast(S, a[a2 + ao]), s2);
                s3 = b0.fma(FloatVector.broadcast(S, a[a3 + ao]), s3);
            }
            s0.intoArray(c, c0 + j);
            s1.intoArray(c, c1 + j);
            s2.intoArray(c, c2 + j);
            s3.intoArray(c, c3 + j);
        }
        for (; j < n; j++) {
            scalar(i, j);
            scalar(i + 1, j);
            scalar(i + 2, j);
            scalar(i + 3, j);
        }
    }

    private void block1(int i) {
        float[] c = this.c, a = this.a, b = this.b;
        int a0 = i * ars, c0 = i * ldc;
        int j = 0;
        for (; j + L <= n; j += L) {
            FloatVector s = accumulate ? FloatVector.fromArray(S, c, c0 + j) : FloatVector.zero(S);
            for (int p = 0; p < k; p++) {
                s = FloatVector.fromArray(S, b, p * ldb + j).fma(FloatVector.broadcast(S, a[a0 + p * aks]), s);
            }
            s.intoArray(c, c0 + j);
        }
        for (; j < n; j++) {
            scalar(i, j);
        }
    }

    /** The same sum as the vector lanes (fused multiply-add in k order), for the column tail. */
    private void scalar(int i, int j) {
        float s = accumulate ? c[i * ldc + j] : 0f;
        int a0 = i * ars;
        for (int p = 0; p < k; p++) {
            s = Math.fma(b[p * ldb + j], a[a0 + p * aks], s);
        }
        c[i * ldc + j] = s;
    }

    /** {@code dst (cols x rows) = src (rows x cols)} transposed. */
    static void transpose(float[] src, float[] dst, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int q = 0; q < cols; q++) {
                dst[q * rows + r] = src[o + q];
            }
        }
    }
}
