package jllm.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import jllm.formats.GgmlType;

/**
 * Q4_0 weights interleaved eight rows at a time, the layout of the matrix-vector kernel
 * {@link RowKernels#q4_0x8} (llama.cpp's x86 CPU backend repacks Q4_0 the same way at load, for
 * the same reason): with the eight rows' blocks side by side, one 16-byte load holds a piece of
 * every row, the activation codes are broadcast across the rows, and each vector lane stays with
 * one row from the first product to the float total. No lane sums across a vector, no scalar
 * FMA chain: about 1.4 ns per block instead of 2.7 in the row-by-row kernel.
 *
 * <p>Group g holds rows 8g..8g+7 in the bytes those rows take in the file (8 x rowBytes), as
 * one 144-byte unit per 32-column block b, at {@code 144 * b} in the group:
 * <pre>
 *   [0, 16)     the 8 rows' F16 scales, row r at 2r
 *   [16, 144)   8 steps of 16 bytes: step s holds bytes 2s and 2s+1 of every row's 16 nibble
 *               bytes, row r at 16 + 16s + 2r
 * </pre>
 * Byte 2s+k of a row holds weight 2s+k in its low nibble and weight 16+2s+k in its high one.
 */
final class Q4_0x8 {
    private Q4_0x8() {}

    /** Rows per group. */
    static final int ROWS = 8;
    /** Bytes of one 32-column block of a group (8 x 18). */
    static final int BLOCK_BYTES = ROWS * 18;

    /**
     * Whether matrix-vector products interleave Q4_0 weights: needs 256-bit vectors (the kernel's
     * shape); {@code -Djllm.q4.interleave=false} turns it off (every product then reads the
     * mapped rows, about 35% slower for Q4_0).
     */
    static final boolean ENABLED = Interleave.enabled("jllm.q4.interleave");

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    /** Whether a matrix can be interleaved: Q4_0, a whole number of groups, and {@link #ENABLED}. */
    static boolean applies(Matrix m) {
        return ENABLED && Interleave.fits(m, GgmlType.Q4_0);
    }

    /**
     * Interleaves one group: 8 rows of {@code rowBytes} back to back in {@code in} into
     * {@code out}. False when a scale is infinite or NaN.
     */
    static boolean packGroup(byte[] in, int rowBytes, int nb, byte[] out) {
        boolean finite = true;
        for (int b = 0; b < nb; b++) {
            int o = BLOCK_BYTES * b;
            for (int r = 0; r < ROWS; r++) {
                int src = r * rowBytes + 18 * b;
                finite &= Interleave.copyHalf(in, src, out, o + 2 * r);
                for (int s = 0; s < 8; s++) {
                    SHORT.set(out, o + 16 + 16 * s + 2 * r, (short) SHORT.get(in, src + 2 + 2 * s));
                }
            }
        }
        return finite;
    }

    /** Row r (0..7) of an interleaved group back in the file's Q4_0 row encoding, at row[ro..]. */
    static void unpackRow(byte[] group, int go, int nb, int r, byte[] row, int ro) {
        for (int b = 0; b < nb; b++) {
            int o = go + BLOCK_BYTES * b, dst = ro + 18 * b;
            SHORT.set(row, dst, (short) SHORT.get(group, o + 2 * r));
            for (int s = 0; s < 8; s++) {
                SHORT.set(row, dst + 2 + 2 * s, (short) SHORT.get(group, o + 16 + 16 * s + 2 * r));
            }
        }
    }
}
