package jllm.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;

import jllm.formats.GgmlType;
import jllm.formats.quant.QuantCodecs;

/**
 * Runs every matrix-product path once per weight type on small random matrices, and checks that
 * the paths agree: the row-by-row, tiled and interleaved products must equal the matrix-vector
 * product of each row bit for bit.
 *
 * <p>What it is for: the launcher's class-data sharing archive is made from one short run of the
 * bundled model, whose weights are all F32. The quantized types' kernels then first ran in a user's
 * 1B model, and the ~250 classes the Vector API spins for them at first use (lambdas and method
 * handle forms, built with the class-file API, which C2 then compiled too) were made on every
 * start. Touring the kernels in that run puts them in the archive.
 */
public final class KernelTour {
    private KernelTour() {}

    /** Types with kernels of their own (the row kernels, and the interleaved ones where they apply). */
    private static final List<GgmlType> TYPES = List.of(
            GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_K,
            GgmlType.F16, GgmlType.BF16, GgmlType.F32);
    private static final int ROWS = 64;
    private static final int COLS = 512;
    /** Batches: one row, a short prompt (row by row), and tiled ones with each tail of the 4-row kernel. */
    private static final int[] BATCHES = {1, MatMul.ROW_BY_ROW_BATCH - 1, MatMul.ROW_BY_ROW_BATCH + 1,
            MatMul.ROW_BY_ROW_BATCH + 2, MatMul.ROW_BY_ROW_BATCH + 3};

    /**
     * Tours the kernels on {@code threads} threads with the Vector API backend.
     *
     * @return the number of products compared
     * @throws IllegalStateException when a path disagrees with the matrix-vector product
     */
    public static int run(int threads) {
        int compared = 0;
        SplittableRandom random = new SplittableRandom(7);
        int maxBatch = BATCHES[BATCHES.length - 1];
        float[] x = new float[maxBatch * COLS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        try (Parallel pool = new Parallel(threads); Arena arena = Arena.ofShared()) {
            MatMul mm = new MatMul(pool, MatMul.Backend.VECTOR);
            for (GgmlType t : TYPES) {
                Matrix w = randomMatrix(t, arena, random);
                float[] expected = new float[maxBatch * ROWS];
                for (int b = 0; b < maxBatch; b++) {
                    mm.matVec(new Matrix(t, ROWS, COLS, w.data()), x, b * COLS, expected, b * ROWS);
                }
                compared += compare(mm, new Matrix(t, ROWS, COLS, w.data()), x, expected);
                if (w.interleave(pool)) {   // products on the copy
                    compared += compare(mm, w, x, expected);
                }
            }
        }
        return compared;
    }

    private static int compare(MatMul mm, Matrix w, float[] x, float[] expected) {
        int compared = 0;
        for (int batch : BATCHES) {
            float[] y = new float[batch * ROWS];
            mm.matMul(w, x, batch, y);
            for (int i = 0; i < y.length; i++) {
                if (Float.floatToIntBits(y[i]) != Float.floatToIntBits(expected[i])) {
                    throw new IllegalStateException(w.type() + " batch " + batch + ": product " + i + " is " + y[i]
                            + ", the matrix-vector product gave " + expected[i]);
                }
            }
            compared += y.length;
        }
        return compared;
    }

    /** Random weights in type t: quantized from Gaussian values, or random codes with small scales where jllm has no quantizer. */
    private static Matrix randomMatrix(GgmlType t, Arena arena, SplittableRandom random) {
        long rowBytes = t.rowBytes(COLS);
        MemorySegment data = arena.allocate(ROWS * rowBytes, 64);
        float[] row = new float[COLS];
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < COLS; i++) {
                row[i] = (float) random.nextGaussian();
            }
            if (QuantCodecs.canQuantize(t)) {
                QuantCodecs.quantize(t, row, 0, COLS, data, r * rowBytes);
            } else {
                for (long i = 0; i < rowBytes; i++) {
                    data.set(java.lang.foreign.ValueLayout.JAVA_BYTE, r * rowBytes + i, (byte) random.nextInt(256));
                }
                for (long sb = 0; sb + 4 <= rowBytes; sb += t.rowBytes(256)) {   // K-quant super-block: d, dmin as small halves
                    data.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, r * rowBytes + sb, QuantCodecs.floatToHalf(0.01f));
                    data.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, r * rowBytes + sb + 2, QuantCodecs.floatToHalf(0.01f));
                }
            }
        }
        return new Matrix(t, ROWS, COLS, data);
    }
}
