package jllm.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import jllm.formats.GgmlType;

/**
 * Timing main (not a test): ms per matVec at the 1B model's shapes (2048x2048 and the
 * 128256x2048 output matrix), ms per matMul, and a memory read-bandwidth probe, at 1 and 2 threads.
 * Matrices are 64 quantized random rows tiled to the full height (fast to build, same speed).
 * System properties: bench.types (comma list), bench.shapes ("2048x2048,128256x2048"),
 * bench.batch (matMul batch, 0 = skip), bench.ms (measure time per point, default 700).
 */
public final class KernelBench {
    private KernelBench() {}

    static final long MS = Long.getLong("bench.ms", 700);

    public static void main(String[] args) {
        String[] types = System.getProperty("bench.types", "F16,Q8_0,Q4_0,Q4_K,Q6_K").split(",");
        String[] shapes = System.getProperty("bench.shapes", "2048x2048,128256x2048").split(",");
        int batch = Integer.getInteger("bench.batch", 128);
        String matMulShape = System.getProperty("bench.mmshape", "2048x2048");
        System.out.println("backend " + MatMul.backend());
        Arena arena = Arena.ofShared();
        if (Boolean.parseBoolean(System.getProperty("bench.bw", "true"))) {
            bandwidth(arena);
        }
        Parallel[] pools = {new Parallel(1), new Parallel(2)};
        for (String tn : types) {
            GgmlType t = GgmlType.valueOf(tn);
            for (String s : shapes) {
                int rows = Integer.parseInt(s.split("x")[0]), cols = Integer.parseInt(s.split("x")[1]);
                Matrix m = tiled(arena, t, rows, cols);
                float[] x = KernelChecks.randomActivation(cols, 2);
                float[] y = new float[rows];
                StringBuilder line = new StringBuilder(String.format("%-5s %-12s %7.1f MB", tn, s, m.data().byteSize() / 1e6));
                for (Parallel p : pools) {
                    MatMul mm = new MatMul(p);
                    double ms = time(() -> mm.matVec(m, x, y));
                    line.append(String.format("  t%d %8.3f ms %5.1f GB/s", p.threads(), ms, m.data().byteSize() / ms / 1e6));
                }
                System.out.println(line);
            }
            if (batch > 0) {
                int rows = Integer.parseInt(matMulShape.split("x")[0]), cols = Integer.parseInt(matMulShape.split("x")[1]);
                Matrix m = tiled(arena, t, rows, cols);
                float[] xb = new float[batch * cols];
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(KernelChecks.randomActivation(cols, 3 + b), 0, xb, b * cols, cols);
                }
                float[] yb = new float[batch * rows];
                StringBuilder line = new StringBuilder(String.format("%-5s matMul %s b%d", tn, matMulShape, batch));
                for (Parallel p : pools) {
                    MatMul mm = new MatMul(p);
                    double ms = time(() -> mm.matMul(m, xb, batch, yb));
                    line.append(String.format("  t%d %8.2f ms %6.1f GFLOP/s", p.threads(), ms, 2.0 * rows * cols * batch / ms / 1e6));
                }
                System.out.println(line);
            }
        }
        for (Parallel p : pools) {
            p.close();
        }
    }

    static double time(Runnable r) {
        long end = System.nanoTime() + MS * 1_000_000L;
        int warm = 0;
        while (System.nanoTime() < end || warm < 3) {
            r.run();
            warm++;
        }
        List<Double> samples = new ArrayList<>();
        long t0 = System.nanoTime();
        do {
            long a = System.nanoTime();
            r.run();
            samples.add((System.nanoTime() - a) / 1e6);
        } while (System.nanoTime() - t0 < MS * 1_000_000L || samples.size() < 3);
        samples.sort(null);
        return samples.get(samples.size() / 2);
    }

    /** 64 random quantized rows repeated to {@code rows}, in 64-byte aligned native memory. */
    static Matrix tiled(Arena arena, GgmlType t, int rows, int cols) {
        Matrix h = KernelChecks.randomMatrix(t, 64, cols, 1);
        long rb = t.rowBytes(cols);
        MemorySegment seg = arena.allocate(rb * rows, 64);
        for (int r = 0; r < rows; r += 64) {
            int n = Math.min(64, rows - r);
            seg.asSlice(r * rb, n * rb).copyFrom(h.data().asSlice(0, n * rb));
        }
        return new Matrix(t, rows, cols, seg);
    }

    /** Reads 1 GiB with 1 and 2 threads; prints GB/s (median). */
    static void bandwidth(Arena arena) {
        long size = 1L << 30;
        MemorySegment seg = arena.allocate(size, 4096);
        seg.fill((byte) 1);
        for (int threads : new int[] {1, 2}) {
            try (Parallel p = new Parallel(threads)) {
                BandwidthProbe probe = new BandwidthProbe(p, seg);
                double ms = time(probe::read);
                System.out.printf("bandwidth t%d: %.1f GB/s (%.1f ms per GiB)%n", threads, size / ms / 1e6, ms);
            }
        }
    }
}
