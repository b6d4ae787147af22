package jllm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import jllm.formats.GgmlType;
import jllm.formats.quant.QuantCodecs;
import jllm.kernels.Matrix;

/** Random weights and activations for the kernel benchmarks (64 quantized rows tiled to full height). */
final class BenchData {
    private BenchData() {}

    static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return x;
    }

    /** A rows x cols matrix of type t in 64-byte aligned native memory of {@code arena}. */
    static Matrix matrix(Arena arena, GgmlType t, int rows, int cols, long seed) {
        int tile = Math.min(64, rows);
        long rb = t.rowBytes(cols);
        MemorySegment one = MemorySegment.ofArray(new byte[(int) (rb * tile)]);
        float[] row = gaussian(cols * tile, seed);
        for (int i = 0; i < tile; i++) {
            for (int j = 0; j < cols; j++) {
                row[i * cols + j] *= 0.02f;
            }
            QuantCodecs.quantize(t, row, i * cols, cols, one, i * rb);
        }
        MemorySegment seg = arena.allocate(rb * rows, 64);
        for (int r = 0; r < rows; r += tile) {
            int n = Math.min(tile, rows - r);
            seg.asSlice(r * rb, n * rb).copyFrom(one.asSlice(0, n * rb));
        }
        return new Matrix(t, rows, cols, seg);
    }

    static int rows(String shape) {
        return Integer.parseInt(shape.split("x")[0]);
    }

    static int cols(String shape) {
        return Integer.parseInt(shape.split("x")[1]);
    }
}
