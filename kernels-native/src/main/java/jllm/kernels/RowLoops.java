package jllm.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The row loops of the {@link RowKernels}, one method per kernel kind and path, each meant to be
 * compiled on its own: the JVM flag {@code -XX:CompileCommand=dontinline,jllm.kernels.RowLoops::*}
 * (set by the launcher, the tests and the benchmarks) keeps C2 from inlining them into their caller.
 *
 * <p>Why: the row kernels are force-inlined (their vectors must stay in registers), and a single
 * compiled loop that holds every type's kernel outgrows C2's inlining budget in models that mix
 * types (Q4_K_M: Q4_K and Q6_K). C2 then gives up inlining small helpers such as the fp16 scale
 * read, which become calls inside the hot loop. Here each loop passes its kind as a literal, the
 * kind switches in {@link RowKernels} fold away, and each compiled loop holds one kernel. The loops
 * themselves are written out per kind (not shared through a helper), because a method that is
 * called once per product only reaches C2 through the back-edges of its own loop.
 */
final class RowLoops {
    private RowLoops() {}

    static void matVec(int kind, MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n,
                       float[] y, int yOff) {
        switch (kind) {
            case RowKernels.KQ8_0 -> matVecQ8_0(w, rb, from, to, wb, a, n, y, yOff);
            case RowKernels.KQ4_0 -> matVecQ4_0(w, rb, from, to, wb, a, n, y, yOff);
            case RowKernels.KQ4_K -> matVecQ4_K(w, rb, from, to, wb, a, n, y, yOff);
            case RowKernels.KQ5_K -> matVecQ5_K(w, rb, from, to, wb, a, n, y, yOff);
            case RowKernels.KQ6_K -> matVecQ6_K(w, rb, from, to, wb, a, n, y, yOff);
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

    private static void matVecQ8_0(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        float[] q = a.q, d = a.d;
        int[] p = a.bsum32;
        for (int r = from; r < to; r++) {
            MemorySegment.copy(w, ValueLayout.JAVA_BYTE, r * rb, wb, 0, (int) rb);
            y[yOff + r] = RowKernels.dot(RowKernels.KQ8_0, wb, q, d, p, n);
        }
    }

    private static void matVecQ4_0(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        float[] q = a.q, d = a.d;
        int[] p = a.bsum32;
        for (int r = from; r < to; r++) {
            MemorySegment.copy(w, ValueLayout.JAVA_BYTE, r * rb, wb, 0, (int) rb);
            y[yOff + r] = RowKernels.dot(RowKernels.KQ4_0, wb, q, d, p, n);
        }
    }

    private static void matVecQ4_K(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        float[] q = a.q, d = a.d;
        int[] p = a.bsum32;
        for (int r = from; r < to; r++) {
            MemorySegment.copy(w, ValueLayout.JAVA_BYTE, r * rb, wb, 0, (int) rb);
            y[yOff + r] = RowKernels.dot(RowKernels.KQ4_K, wb, q, d, p, n);
        }
    }

    private static void matVecQ5_K(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        float[] q = a.q, d = a.d;
        int[] p = a.bsum32;
        for (int r = from; r < to; r++) {
            MemorySegment.copy(w, ValueLayout.JAVA_BYTE, r * rb, wb, 0, (int) rb);
            y[yOff + r] = RowKernels.dot(RowKernels.KQ5_K, wb, q, d, p, n);
        }
    }

    private static void matVecQ6_K(MemorySegment w, long rb, int from, int to, byte[] wb, Activation a, int n, float[] y, int yOff) {
        float[] q = a.q, d = a.d;
        int[] p = a.bsum32;
        for (int r = from; r < to; r++) {
            MemorySegment.copy(w, ValueLayout.JAVA_BYTE, r * rb, wb, 0, (int) rb);
            y[yOff + r] = RowKernels.dot(RowKernels.KQ6_K, wb, q, d, p, n);
        }
    }

    private static void matMulQ8_0(MemorySegment w, long rb, int from, int to, byte[] wb, float[] c, float[] m,
                                   Activation a, int n, int batch, float[] y, int yOff, int ys) {
        int meta = RowKernels.metaPerRow(RowKernels.KQ8_0, n);
        for (int r0 = from; r0 < to; r0 += RowKernels.ROW_CHUNK) {
            int r1 = Math.min(to, r0 + RowKernels.ROW_CHUNK);
            for (int r = r0; r < r1; r++) {
                MemorySegment.copy(w, ValueLayout.JAVA_BYTE, r * rb, wb, 0, (int) rb);
                RowKernels.decode(RowKernels.KQ8_0, wb, c, (r - r0) * n, m, (r - r0) * meta, n);
            }
            for (int b = 0; b < batch; b += 4) {
                int cnt = Math.min(4, batch - b);
                for (int r = r0; r < r1; r++) {
                    RowKernels.dot4(RowKernels.KQ8_0, c, (r - r0) * n, m, (r - r0) * meta, a, b, cnt, n, y, yOff + r, ys);
                }
            }
        }
    }

    private static void matMulQ4_0(MemorySegment w, long rb, int from, int to, byte[] wb, float[] c, float[] m,
                                   Activation a, int n, int batch, float[] y, int yOff, int ys) {
        int meta = RowKernels.metaPerRow(RowKernels.KQ4_0, n);
        for (int r0 = from; r0 < to; r0 += RowKernels.ROW_CHUNK) {
            int r1 = Math.min(to, r0 + RowKernels.ROW_CHUNK);
            for (int r = r0; r < r1; r++) {
                MemorySegment.copy(w, ValueLayout.JAVA_BYTE, r * rb, wb, 0, (int) rb);
                RowKernels.decode(RowKernels.KQ4_0, wb, c, (r - r0) * n, m, (r - r0) * meta, n);
            }
            for (int b = 0; b < batch; b += 4) {
                int cnt = Math.min(4, batch - b);
                for (int r = r0; r < r1; r++) {
                    RowKernels.dot4(RowKernels.KQ4_0, c, (r - r0) * n, m, (r - r0) * meta, a, b, cnt, n, y, yOff + r, ys);
                }
            }
        }
    }

    private static void matMulQ4_K(MemorySegment w, long rb, int from, int to, byte[] wb, float[] c, float[] m,
                                   Activation a, int n, int batch, float[] y, int yOff, int ys) {
        int meta = RowKernels.metaPerRow(RowKernels.KQ4_K, n);
        for (int r0 = from; r0 < to; r0 += RowKernels.ROW_CHUNK) {
            int r1 = Math.min(to, r0 + RowKernels.ROW_CHUNK);
            for (int r = r0; r < r1; r++) {
                MemorySegment.copy(w, ValueLayout.JAVA_BYTE, r * rb, wb, 0, (int) rb);
                RowKernels.decode(RowKernels.KQ4_K, wb, c, (r - r0) * n, m, (r - r0) * meta, n);
            }
            for (int b = 0; b < batch; b += 4) {
                int cnt = Math.min(4, batch - b);
                for (int r = r0; r < r1; r++) {
                    RowKernels.dot4(RowKernels.KQ4_K, c, (r - r0) * n, m, (r - r0) * meta, a, b, cnt, n, y, yOff + r, ys);
                }
            }
        }
    }

    private static void matMulQ5_K(MemorySegment w, long rb, int from, int to, byte[] wb, float[] c, float[] m,
                                   Activation a, int n, int batch, float[] y, int yOff, int ys) {
        int meta = RowKernels.metaPerRow(RowKernels.KQ5_K, n);
        for (int r0 = from; r0 < to; r0 += RowKernels.ROW_CHUNK) {
            int r1 = Math.min(to, r0 + RowKernels.ROW_CHUNK);
            for (int r = r0; r < r1; r++) {
                MemorySegment.copy(w, ValueLayout.JAVA_BYTE, r * rb, wb, 0, (int) rb);
                RowKernels.decode(RowKernels.KQ5_K, wb, c, (r - r0) * n, m, (r - r0) * meta, n);
            }
            for (int b = 0; b < batch; b += 4) {
                int cnt = Math.min(4, batch - b);
                for (int r = r0; r < r1; r++) {
                    RowKernels.dot4(RowKernels.KQ5_K, c, (r - r0) * n, m, (r - r0) * meta, a, b, cnt, n, y, yOff + r, ys);
                }
            }
        }
    }

    private static void matMulQ6_K(MemorySegment w, long rb, int from, int to, byte[] wb, float[] c, float[] m,
                                   Activation a, int n, int batch, float[] y, int yOff, int ys) {
        int meta = RowKernels.metaPerRow(RowKernels.KQ6_K, n);
        for (int r0 = from; r0 < to; r0 += RowKernels.ROW_CHUNK) {
            int r1 = Math.min(to, r0 + RowKernels.ROW_CHUNK);
            for (int r = r0; r < r1; r++) {
                MemorySegment.copy(w, ValueLayout.JAVA_BYTE, r * rb, wb, 0, (int) rb);
                RowKernels.decode(RowKernels.KQ6_K, wb, c, (r - r0) * n, m, (r - r0) * meta, n);
            }
            for (int b = 0; b < batch; b += 4) {
                int cnt = Math.min(4, batch - b);
                for (int r = r0; r < r1; r++) {
                    RowKernels.dot4(RowKernels.KQ6_K, c, (r - r0) * n, m, (r - r0) * meta, a, b, cnt, n, y, yOff + r, ys);
                }
            }
        }
    }
}
