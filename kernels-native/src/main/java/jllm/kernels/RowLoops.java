package jllm.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The row loops of the {@link RowKernels}, one method per kernel kind and path (Q8_0's matVec
 * loop stays in MatMul, where it compiled better), each meant to be
 * compiled on its own: the JVM flag {@code -XX:CompileCommand=dontinline,jllm.kernels.RowLoops::*}
 * (set by the launcher, the tests and the benchmarks) keeps C2 from inlining them into their caller.
 *
 * <p>Why: the row kernels are force-inlined (their vectors must stay in registers), and a single
 * compiled loop that holds every type's kernel outgrows C2's inlining budget in models that mix
 * types (Q4_K_M: Q4_K and Q6_K). C2 then gives up inlining small helpers such as the fp16 scale
 * read, which become calls inside the hot loop. Here each loop passes its kind as a literal, the
 * kind switches in {@link RowKernels} fold away, and each compiled loop holds one kernel. Each
 * method keeps its own loop (the body is a force-inlined {@link RowKernels} helper), because a
 * method that is called once per product only reaches C2 through the back-edges of its own loop.
 */
final class RowLoops {
    private RowLoops() {}

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

    private static void matVecQ4_0(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        for (int r = from; r < to; r++) {
            y[yOff + r] = RowKernels.rowDot(RowKernels.KQ4_0, w, rb, r, wb, a, n);
        }
    }

    private static void matVecQ4_0S(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        for (int r = from; r < to; r++) {
            y[yOff + r] = RowKernels.rowDot(RowKernels.KQ4_0S, w, rb, r, wb, a, n);
        }
    }

    private static void matVecQ6_KS(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        for (int r = from; r < to; r++) {
            y[yOff + r] = RowKernels.rowDot(RowKernels.KQ6_KS, w, rb, r, wb, a, n);
        }
    }

    private static void matVecQ4_KS(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        for (int r = from; r < to; r++) {
            y[yOff + r] = RowKernels.rowDot(RowKernels.KQ4_KS, w, rb, r, wb, a, n);
        }
    }

    private static void matVecQ4_K(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        for (int r = from; r < to; r++) {
            y[yOff + r] = RowKernels.rowDot(RowKernels.KQ4_K, w, rb, r, wb, a, n);
        }
    }

    private static void matVecQ5_K(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        for (int r = from; r < to; r++) {
            y[yOff + r] = RowKernels.rowDot(RowKernels.KQ5_K, w, rb, r, wb, a, n);
        }
    }

    private static void matVecQ6_K(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        for (int r = from; r < to; r++) {
            y[yOff + r] = RowKernels.rowDot(RowKernels.KQ6_K, w, rb, r, wb, a, n);
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
}
