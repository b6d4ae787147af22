package jllm.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import jllm.formats.GgmlType;

/**
 * Q4_K weights interleaved eight rows at a time for the matrix-vector kernel
 * {@link RowKernels#q4_Kx8}, as {@link Q4_0x8} does for Q4_0, with the 6-bit sub-block scales
 * and mins unpacked to a byte each (so the kernel widens them instead of unpacking bits).
 *
 * <p>Group g holds rows 8g..8g+7 as one {@link #SB_BYTES}-byte unit per 256-column super-block
 * (8 x 148 bytes, against the file's 8 x 144):
 * <pre>
 *   [0, 16)       the 8 rows' d (F16), row r at 2r
 *   [16, 32)      their dmin (F16)
 *   [32, 96)      scales: sub-block j of row r at 32 + 8j + r
 *   [96, 160)     mins:   sub-block j of row r at 96 + 8j + r
 *   [160, 1184)   quants: for each 64-column chunk c, 8 steps of 32 bytes; step t holds bytes
 *                 4t..4t+3 of each row's 32 chunk bytes, row r at 160 + 256c + 32t + 4r
 * </pre>
 * Byte l of chunk c of a row holds column 64c+l in its low nibble (sub-block 2c) and 64c+32+l
 * in its high nibble (sub-block 2c+1).
 */
final class Q4_Kx8 {
    private Q4_Kx8() {}

    static final int ROWS = 8;
    /** Bytes of one 256-column super-block of a group. */
    static final int SB_BYTES = 1184;
    private static final int ROW_SB = 144;

    /** Whether Q4_K matrix-vector products interleave: 256-bit vectors; {@code -Djllm.q4k.interleave=false} turns it off. */
    static final boolean ENABLED = Interleave.enabled("jllm.q4k.interleave");

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    static boolean applies(Matrix m) {
        return ENABLED && Interleave.fits(m, GgmlType.Q4_K);
    }

    /** Interleaves 8 rows of {@code rowBytes} back to back in {@code in}; false when a d or dmin is infinite or NaN. */
    static boolean packGroup(byte[] in, int rowBytes, int nsb, byte[] out) {
        boolean finite = true;
        for (int i = 0; i < nsb; i++) {
            int o = SB_BYTES * i;
            for (int r = 0; r < ROWS; r++) {
                int src = r * rowBytes + ROW_SB * i;
                finite &= Interleave.copyHalf(in, src, out, o + 2 * r) & Interleave.copyHalf(in, src + 2, out, o + 16 + 2 * r);
                for (int j = 0; j < 8; j++) {
                    out[o + 32 + 8 * j + r] = (byte) scale(in, src + 4, j);
                    out[o + 96 + 8 * j + r] = (byte) min(in, src + 4, j);
                }
                for (int c = 0; c < 4; c++) {
                    for (int t = 0; t < 8; t++) {
                        INT.set(out, o + 160 + 256 * c + 32 * t + 4 * r, (int) INT.get(in, src + 16 + 32 * c + 4 * t));
                    }
                }
            }
        }
        return finite;
    }

    /** Row r (0..7) of an interleaved group back in the file's Q4_K encoding, at row[ro..]. */
    static void unpackRow(byte[] group, int go, int nsb, int r, byte[] row, int ro) {
        for (int i = 0; i < nsb; i++) {
            int o = go + SB_BYTES * i, dst = ro + ROW_SB * i;
            SHORT.set(row, dst, (short) SHORT.get(group, o + 2 * r));
            SHORT.set(row, dst + 2, (short) SHORT.get(group, o + 16 + 2 * r));
            for (int j = 0; j < 4; j++) {   // the inverse of scale() and min()
                int sLo = group[o + 32 + 8 * j + r], sHi = group[o + 32 + 8 * (j + 4) + r];
                int mLo = group[o + 96 + 8 * j + r], mHi = group[o + 96 + 8 * (j + 4) + r];
                row[dst + 4 + j] = (byte) (sLo | (sHi >> 4) << 6);
                row[dst + 8 + j] = (byte) (mLo | (mHi >> 4) << 6);
                row[dst + 12 + j] = (byte) ((sHi & 0x0F) | (mHi & 0x0F) << 4);
            }
            for (int c = 0; c < 4; c++) {
                for (int t = 0; t < 8; t++) {
                    INT.set(row, dst + 16 + 32 * c + 4 * t, (int) INT.get(group, o + 160 + 256 * c + 32 * t + 4 * r));
                }
            }
        }
    }

    /** ggml's get_scale_min_k4: the 6-bit scale of sub-block j from the 12 scale bytes at q. */
    private static int scale(byte[] q, int at, int j) {
        return j < 4 ? q[at + j] & 63 : (q[at + j + 4] & 0x0F) | ((q[at + j - 4] & 0xFF) >> 6) << 4;
    }

    /** ggml's get_scale_min_k4: the 6-bit min of sub-block j. */
    private static int min(byte[] q, int at, int j) {
        return j < 4 ? q[at + j + 4] & 63 : (q[at + j + 4] & 0xFF) >> 4 | ((q[at + j] & 0xFF) >> 6) << 4;
    }
}
