package jllm.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import jllm.formats.GgmlType;

/**
 * A quick timing loop (not a test, not JMH): ms per matVec / per batch-32 matMul for a few types.
 * Args: [rows cols] [types...]. Run with the test classpath and the incubator module.
 */
public final class MatVecBench {
    private MatVecBench() {}

    public static void main(String[] args) {
        int rows = args.length > 1 ? Integer.parseInt(args[0]) : 2048;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        String[] types = args.length > 2 ? java.util.Arrays.copyOfRange(args, 2, args.length)
                : new String[] {"F32", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"};
        System.out.println("backend " + MatMul.backend() + ", " + rows + "x" + cols);
        Arena arena = Arena.ofShared();
        for (String tn : types) {
            GgmlType t = GgmlType.valueOf(tn);
            Matrix h = KernelChecks.randomMatrix(t, rows, cols, 1);
            MemorySegment nat = arena.allocate(h.data().byteSize(), 64);
            nat.copyFrom(h.data());
            Matrix m = new Matrix(t, rows, cols, nat);
            float[] x = KernelChecks.randomActivation(cols, 2);
            float[] y = new float[rows];
            StringBuilder line = new StringBuilder(String.format("%-5s %6.2f MB", tn, nat.byteSize() / 1e6));
            for (int threads : new int[] {1, 2}) {
                try (Parallel p = new Parallel(threads)) {
                    MatMul mm = new MatMul(p);
                    long end = System.nanoTime() + 1_500_000_000L;
                    while (System.nanoTime() < end) {
                        mm.matVec(m, x, y);
                    }
                    int iters = 0;
                    long t0 = System.nanoTime();
                    do {
                        mm.matVec(m, x, y);
                        iters++;
                    } while (System.nanoTime() - t0 < 1_000_000_000L);
                    double ms = (System.nanoTime() - t0) / 1e6 / iters;
                    line.append(String.format("  t%d %.3f ms (%.1f GB/s)", threads, ms, nat.byteSize() / ms / 1e6));
                }
            }
            if (System.getProperty("bench.batch") != null) {
                int batch = Integer.getInteger("bench.batch");
                float[] xb = new float[batch * cols];
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(x, 0, xb, b * cols, cols);
                }
                float[] yb = new float[batch * rows];
                try (Parallel p = new Parallel(2)) {
                    MatMul mm = new MatMul(p);
                    for (int i = 0; i < 3; i++) {
                        mm.matMul(m, xb, batch, yb);
                    }
                    long t0 = System.nanoTime();
                    int iters = 0;
                    do {
                        mm.matMul(m, xb, batch, yb);
                        iters++;
                    } while (System.nanoTime() - t0 < 1_000_000_000L);
                    double ms = (System.nanoTime() - t0) / 1e6 / iters;
                    line.append(String.format("  matMul b%d t2 %.2f ms (%.3f ms/row)", batch, ms, ms / batch));
                }
            }
            System.out.println(line);
        }
    }
}
