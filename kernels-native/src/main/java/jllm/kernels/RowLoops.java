package jllm.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The row loops of the {@link RowKernels} and the matVec row products, each method meant to be
 * compiled on its own (Q8_0's matVec loop stays in MatMul, where it compiled better): the JVM flag {@code -XX:CompileCommand=dontinline,jllm.kernels.RowLoops::*}
 * (set by the launcher, the tests and the benchmarks) keeps C2 from inlining them into their caller.
 *
 * <p>Why: the row kernels are force-inlined (their vectors must stay in registers), and a single
 * compile that holds every type's kernel outgrows C2's inlining budget in models that mix types
 * (Q4_K_M: Q4_K and Q6_K). C2 then gives up inlining small helpers, which become calls inside the
 * hot loop. So each matMul loop passes its kind as a literal (the kind switches in
 * {@link RowKernels} fold away) and keeps its own loop (a method called once per product only
 * reaches C2 through the back-edges of its own loop), and each matVec row product is a dot
 * method of its own (see the end), which its kind's matVec loop calls.
 */
final class RowLoops {
    private RowLoops() {}

    /**
     * Rows [from, to) times activation row 0, in the row loop of the kind. The loops hold no
     * vector code: each row's product is a call to its kind's dot method below, a compile unit of
     * its own. Each kind has a loop of its own too: C2 compiles a shared loop with the kinds its
     * profile has seen, and the first product of another kind (a Q4_0 model's Q6_K output matrix,
     * warmed up while its first prompt ran) threw the compiled loop away (a deoptimization in
     * the middle of a product, and a blocking recompile), 30-50 ms of that prompt's first product.
     */
    static void matVec(int kind, MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n,
                       float[] y, int yOff) {
        switch (kind) {
            case RowKernels.KQ4_0 -> matVecQ4_0(w, rb, from, to, wb, a, n, y, yOff);
            case RowKernels.KQ4_K -> matVecQ4_K(w, rb, from, to, wb, a, n, y, yOff);
            case RowKernels.KQ5_K -> matVecQ5_K(w, rb, from, to, wb, a, n, y, yOff);
            case RowKernels.KQ6_K -> matVecQ6_K(w, rb, from, to, wb, a, n, y, yOff);
            case RowKernels.KQ4_0S -> matVecQ4_0S(w, rb, from, to, wb, a, n, y, yOff);
            case RowKernels.KQ6_KS -> matVecQ6_KS(w, rb, from, to, wb, a, n, y, yOff);
            case RowKernels.KQ4_KS -> matVecQ4_KS(w, rb, from, to, wb, a, n, y, yOff);
            default -> throw new IllegalArgumentException("kind " + kind);
        }
    }

    private static void matVecQ4_0(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        for (int r = from; r < to; r++) {
            RowKernels.copyRows(w, rb, r, 1, wb);
            y[yOff + r] = dotQ4_0(wb, a, n);
        }
    }

    private static void matVecQ4_K(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        for (int r = from; r < to; r++) {
            RowKernels.copyRows(w, rb, r, 1, wb);
            y[yOff + r] = dotQ4_K(wb, a, n);
        }
    }

    private static void matVecQ5_K(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        for (int r = from; r < to; r++) {
            RowKernels.copyRows(w, rb, r, 1, wb);
            y[yOff + r] = dotQ5_K(wb, a, n);
        }
    }

    private static void matVecQ6_K(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        for (int r = from; r < to; r++) {
            RowKernels.copyRows(w, rb, r, 1, wb);
            y[yOff + r] = dotQ6_K(wb, a, n);
        }
    }

    private static void matVecQ4_0S(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        int r = from;
        if (TWO_ROWS) {   // two rows a call: one copy, two FMA chains
            for (; r + 2 <= to; r += 2) {
                RowKernels.copyRows(w, rb, r, 2, wb);
                dotQ4_0S2(wb, (int) rb, a, n, y, yOff + r);
            }
        }
        for (; r < to; r++) {   // an odd last row goes the one-row way
            RowKernels.copyRows(w, rb, r, 1, wb);
            y[yOff + r] = dotQ4_0S(wb, a, n);
        }
    }

    private static void matVecQ6_KS(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        for (int r = from; r < to; r++) {
            RowKernels.copyRows(w, rb, r, 1, wb);
            y[yOff + r] = dotQ6_KS(wb, a, n);
        }
    }

    private static void matVecQ4_KS(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        for (int r = from; r < to; r++) {
            RowKernels.copyRows(w, rb, r, 1, wb);
            y[yOff + r] = dotQ4_KS(wb, a, n);
        }
    }

    /**
     * Groups [g0, g1) of a Q4_0 matrix interleaved by {@link Q4_0x8} (in w, gb bytes a group)
     * times activation row 0: the 8-row kernel, a compile unit of its own, reads each group in
     * place. tot: this thread's scratch.
     */
    static void matVecQ4_0x8(MemorySegment w, long gb, int g0, int g1, float[] tot, Activation a, int n,
                             float[] y, int yOff) {
        for (int g = g0; g < g1; g++) {
            groupQ4_0x8(w, g * gb, tot, a, n, y, yOff + Interleave.ROWS * g);
        }
    }

    /** {@link #matVecQ4_0x8} for Q4_K ({@link Q4_Kx8}); acc, tot: this thread's scratch. */
    static void matVecQ4_Kx8(MemorySegment w, long gb, int g0, int g1, int[] acc, float[] tot, Activation a, int n,
                             float[] y, int yOff) {
        for (int g = g0; g < g1; g++) {
            groupQ4_Kx8(w, g * gb, acc, tot, a, n, y, yOff + Interleave.ROWS * g);
        }
    }

    /** {@link #matVecQ4_0x8} for Q6_K ({@link Q6_Kx8}); acc, tot: this thread's scratch. */
    static void matVecQ6_Kx8(MemorySegment w, long gb, int g0, int g1, int[] acc, float[] tot, Activation a, int n,
                             float[] y, int yOff) {
        for (int g = g0; g < g1; g++) {
            groupQ6_Kx8(w, g * gb, acc, tot, a, n, y, yOff + Interleave.ROWS * g);
        }
    }

    /**
     * Rows [from, to) of a Q4_0 matrix times the activation rows of a ({@code batch} of them, at
     * most {@link RowKernels#A8}, prepared as one batch with transposed scales,
     * {@link Activation#transposeScales}), into y[yOff + b*ys + r], with {@link RowKernels#q4_0a8}.
     * tot: this thread's scratch, a vector's floats for each of {@link #A8_ROWS} rows. Each row
     * goes through all its columns in one call: in spans of 8 or 16 blocks (the activations' codes
     * of a span kept in L1 across rows) it was 8-20% slower, the calls costing more than the
     * reads from L2 they saved.
     */
    static void matMulQ4_0A8(MemorySegment w, long rb, int from, int to, byte[] wb, float[] tot, Activation a, int n,
                             int batch, float[] y, int yOff, int ys) {
        for (int r0 = from; r0 < to; r0 += A8_ROWS) {
            int count = Math.min(A8_ROWS, to - r0);
            RowKernels.copyRows(w, rb, r0, count, wb);
            for (int r = 0; r < count; r++) {
                dotQ4_0A8(wb, r * (int) rb, a, n, tot, VecKernels.FL * r);
            }
            for (int r = 0; r < count; r++) {
                for (int b = 0; b < batch; b++) {
                    y[yOff + b * ys + r0 + r] = tot[VecKernels.FL * r + b];
                }
            }
        }
    }

    /** {@link #matMulQ4_0A8} for Q4_K, with {@link RowKernels#q4_Ka8} ({@link Activation#transposeQ8K}); acc: 64 ints of scratch. */
    static void matMulQ4_KA8(MemorySegment w, long rb, int from, int to, byte[] wb, int[] acc, float[] tot, Activation a, int n,
                             int batch, float[] y, int yOff, int ys) {
        for (int r0 = from; r0 < to; r0 += A8_ROWS) {
            int count = Math.min(A8_ROWS, to - r0);
            RowKernels.copyRows(w, rb, r0, count, wb);
            for (int r = 0; r < count; r++) {
                dotQ4_KA8(wb, r * (int) rb, a, n, acc, tot, VecKernels.FL * r);
            }
            for (int r = 0; r < count; r++) {
                for (int b = 0; b < batch; b++) {
                    y[yOff + b * ys + r0 + r] = tot[VecKernels.FL * r + b];
                }
            }
        }
    }

    /** Weight rows copied at a time by {@link #matMulQ4_0A8} (one bulk copy). */
    static final int A8_ROWS = 16;

    /**
     * Rows [r0, r0+n) of the matrix w as floats into out (row-major, cols a row), for BLAS: each
     * row copied to wb and dequantized by its kind's method (m: scratch for the row's scales).
     * One loop per kind, as for {@link #matVec}: a Q4_K_M file's Q6_K rows would otherwise throw
     * away a loop compiled for its Q4_K ones.
     */
    static void dequantize(int kind, MemorySegment w, long rb, int r0, int n, byte[] wb, float[] out, float[] m, int cols) {
        switch (kind) {
            case RowKernels.KQ8_0 -> dequantizeQ8_0(w, rb, r0, n, wb, out, m, cols);
            case RowKernels.KQ4_0 -> dequantizeQ4_0(w, rb, r0, n, wb, out, m, cols);
            case RowKernels.KQ4_K -> dequantizeQ4_K(w, rb, r0, n, wb, out, m, cols);
            case RowKernels.KQ5_K -> dequantizeQ5_K(w, rb, r0, n, wb, out, m, cols);
            case RowKernels.KQ6_K -> dequantizeQ6_K(w, rb, r0, n, wb, out, m, cols);
            default -> throw new IllegalArgumentException("kind " + kind);
        }
    }

    private static void dequantizeQ8_0(MemorySegment w, long rb, int r0, int n, byte[] wb, float[] out, float[] m, int cols) {
        for (int r = 0; r < n; r++) {
            RowKernels.copyRows(w, rb, r0 + r, 1, wb);
            dotDequantizeQ8_0(wb, out, r * cols, m, cols);
        }
    }

    private static void dequantizeQ4_0(MemorySegment w, long rb, int r0, int n, byte[] wb, float[] out, float[] m, int cols) {
        for (int r = 0; r < n; r++) {
            RowKernels.copyRows(w, rb, r0 + r, 1, wb);
            dotDequantizeQ4_0(wb, out, r * cols, m, cols);
        }
    }

    private static void dequantizeQ4_K(MemorySegment w, long rb, int r0, int n, byte[] wb, float[] out, float[] m, int cols) {
        for (int r = 0; r < n; r++) {
            RowKernels.copyRows(w, rb, r0 + r, 1, wb);
            dotDequantizeQ4_K(wb, out, r * cols, m, cols);
        }
    }

    private static void dequantizeQ5_K(MemorySegment w, long rb, int r0, int n, byte[] wb, float[] out, float[] m, int cols) {
        for (int r = 0; r < n; r++) {
            RowKernels.copyRows(w, rb, r0 + r, 1, wb);
            dotDequantizeQ5_K(wb, out, r * cols, m, cols);
        }
    }

    private static void dequantizeQ6_K(MemorySegment w, long rb, int r0, int n, byte[] wb, float[] out, float[] m, int cols) {
        for (int r = 0; r < n; r++) {
            RowKernels.copyRows(w, rb, r0 + r, 1, wb);
            dotDequantizeQ6_K(wb, out, r * cols, m, cols);
        }
    }

    static void matMul(int kind, MemorySegment w, long rb, int from, int to, byte[] wb, float[] c, float[] m,
                       Activation a, int n, int batch, float[] y, int yOff, int ys) {
        switch (kind) {
            case RowKernels.KQ8_0 -> matMulQ8_0(w, rb, from, to, wb, c, m, a, n, batch, y, yOff, ys);
            case RowKernels.KQ4_0 -> matMulQ4_0(w, rb, from, to, wb, c, m, a, n, batch, y, yOff, ys);
            case RowKernels.KQ4_K -> matMulQ4_K(w, rb, from, to, wb, c, m, a, n, batch, y, yOff, ys);
            case RowKernels.KQ5_K -> matMulQ5_K(w, rb, from, to, wb, c, m, a, n, batch, y, yOff, ys);
            case RowKernels.KQ6_K -> matMulQ6_K(w, rb, from, to, wb, c, m, a, n, batch, y, yOff, ys);
            default -> throw new IllegalArgumentException("kind " + kind);
        }
    }

    private static void matMulQ8_0(MemorySegment w, long rb, int from, int to, byte[] wb, float[] c, float[] m,
                                   Activation a, int n, int batch, float[] y, int yOff, int ys) {
        for (int r0 = from; r0 < to; r0 += RowKernels.ROW_CHUNK) {
            RowKernels.rowChunk(RowKernels.KQ8_0, w, rb, r0, Math.min(to, r0 + RowKernels.ROW_CHUNK), wb, c, m, a, n, batch, y, yOff, ys);
        }
    }

    private static void matMulQ4_0(MemorySegment w, long rb, int from, int to, byte[] wb, float[] c, float[] m,
                                   Activation a, int n, int batch, float[] y, int yOff, int ys) {
        for (int r0 = from; r0 < to; r0 += RowKernels.ROW_CHUNK) {
            RowKernels.rowChunk(RowKernels.KQ4_0, w, rb, r0, Math.min(to, r0 + RowKernels.ROW_CHUNK), wb, c, m, a, n, batch, y, yOff, ys);
        }
    }

    private static void matMulQ4_K(MemorySegment w, long rb, int from, int to, byte[] wb, float[] c, float[] m,
                                   Activation a, int n, int batch, float[] y, int yOff, int ys) {
        for (int r0 = from; r0 < to; r0 += RowKernels.ROW_CHUNK) {
            RowKernels.rowChunk(RowKernels.KQ4_K, w, rb, r0, Math.min(to, r0 + RowKernels.ROW_CHUNK), wb, c, m, a, n, batch, y, yOff, ys);
        }
    }

    private static void matMulQ5_K(MemorySegment w, long rb, int from, int to, byte[] wb, float[] c, float[] m,
                                   Activation a, int n, int batch, float[] y, int yOff, int ys) {
        for (int r0 = from; r0 < to; r0 += RowKernels.ROW_CHUNK) {
            RowKernels.rowChunk(RowKernels.KQ5_K, w, rb, r0, Math.min(to, r0 + RowKernels.ROW_CHUNK), wb, c, m, a, n, batch, y, yOff, ys);
        }
    }

    private static void matMulQ6_K(MemorySegment w, long rb, int from, int to, byte[] wb, float[] c, float[] m,
                                   Activation a, int n, int batch, float[] y, int yOff, int ys) {
        for (int r0 = from; r0 < to; r0 += RowKernels.ROW_CHUNK) {
            RowKernels.rowChunk(RowKernels.KQ6_K, w, rb, r0, Math.min(to, r0 + RowKernels.ROW_CHUNK), wb, c, m, a, n, batch, y, yOff, ys);
        }
    }

    // One weight row (copied to wb) times activation row 0, one method per kernel: each is a C2
    // compile unit of its own that holds the whole force-inlined kernel (arrays in, a float out,
    // no vector crosses its boundary). The matVec loop calls them (never inlines them), so a loop
    // that still runs in C1, or a loop compiled on stack replacement with a thin profile, calls
    // the same compiled kernel as the fully compiled loop. Inlined into the loop, the kernel
    // shared the loop's compile history, and now and then C2 left parts of it unintrinsified
    // (a product allocating its vectors: tokens/s down 20-45% for the whole run).
    //
    // The launcher compiles the dot* methods (a byte[] row) with C2 alone, at their second call
    // (bin/jit-directives.json). The group* methods read the interleaved copies in place, from a
    // MemorySegment: C2 needs C1's type profile to know its implementation class (compiled
    // without it, decoding ran 2.5x slower), so they keep the usual tiers and their own names.

    private static float dotQ4_0(byte[] wb, Activation a, int n) {
        return RowKernels.q4_0(wb, a.q, 0, a.d, 0, n);
    }

    private static float dotQ4_0S(byte[] wb, Activation a, int n) {
        return RowKernels.q4_0s(wb, a.qs, a.qsum32, a.d, n);
    }

    private static void dotQ4_0S2(byte[] wb, int rb, Activation a, int n, float[] y, int yi) {
        RowKernels.q4_0s2(wb, rb, a.qs, a.qsum32, a.d, n, y, yi);
    }

    private static void groupQ4_0x8(MemorySegment w, long g, float[] tot, Activation a, int n, float[] y, int yi) {
        RowKernels.q4_0x8(w, g, a.qp, a.qsum8, a.d, n / 32, y, yi, tot);
    }

    private static void groupQ4_Kx8(MemorySegment w, long g, int[] acc, float[] tot, Activation a, int n, float[] y, int yi) {
        RowKernels.q4_Kx8(w, g, a.qk4, a.bsum32, a.d, n / 256, y, yi, acc, tot);
    }

    private static void groupQ6_Kx8(MemorySegment w, long g, int[] acc, float[] tot, Activation a, int n, float[] y, int yi) {
        RowKernels.q6_Kx8(w, g, a.qp, a.d, n / 256, y, yi, acc, tot);
    }

    private static void dotQ4_0A8(byte[] wb, int o, Activation a, int n, float[] tot, int t) {
        RowKernels.q4_0a8(wb, o, a.q, n, a.dT, tot, t);
    }

    private static void dotQ4_KA8(byte[] wb, int o, Activation a, int n, int[] acc, float[] tot, int t) {
        RowKernels.q4_Ka8(wb, o, a.qk, n, a.bsumT, a.dT, acc, tot, t);
    }

    // One row's dequantization for BLAS, a kernel like the dot products (and compiled as one, see
    // above): "dot" for the launcher's directives.

    private static void dotDequantizeQ8_0(byte[] wb, float[] out, int oo, float[] m, int n) {
        RowKernels.dequantize(RowKernels.KQ8_0, wb, out, oo, m, n);
    }

    private static void dotDequantizeQ4_0(byte[] wb, float[] out, int oo, float[] m, int n) {
        RowKernels.dequantize(RowKernels.KQ4_0, wb, out, oo, m, n);
    }

    private static void dotDequantizeQ4_K(byte[] wb, float[] out, int oo, float[] m, int n) {
        RowKernels.dequantize(RowKernels.KQ4_K, wb, out, oo, m, n);
    }

    private static void dotDequantizeQ5_K(byte[] wb, float[] out, int oo, float[] m, int n) {
        RowKernels.dequantize(RowKernels.KQ5_K, wb, out, oo, m, n);
    }

    private static void dotDequantizeQ6_K(byte[] wb, float[] out, int oo, float[] m, int n) {
        RowKernels.dequantize(RowKernels.KQ6_K, wb, out, oo, m, n);
    }

    static final boolean TWO_ROWS = !"false".equals(System.getProperty("jllm.q4.rows2"));

    private static float dotQ6_KS(byte[] wb, Activation a, int n) {
        return RowKernels.q6_Ks(wb, a.qs, a.d, n);
    }

    private static float dotQ4_KS(byte[] wb, Activation a, int n) {
        return RowKernels.q4_Ks(wb, a.qk, a.d, a.bsum32, n);
    }

    private static float dotQ4_K(byte[] wb, Activation a, int n) {
        return RowKernels.q4_K(wb, a.q, 0, a.d, 0, a.bsum32, 0, n);
    }

    private static float dotQ5_K(byte[] wb, Activation a, int n) {
        return RowKernels.q5_K(wb, a.q, 0, a.d, 0, a.bsum32, 0, n);
    }

    private static float dotQ6_K(byte[] wb, Activation a, int n) {
        return RowKernels.q6_K(wb, a.q, 0, a.d, 0, n);
    }
}
