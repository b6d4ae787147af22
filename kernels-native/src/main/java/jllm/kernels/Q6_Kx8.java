package jllm.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import jllm.formats.GgmlType;

/**
 * Q6_K weights interleaved eight rows at a time for the matrix-vector kernel
 * {@link RowKernels#q6_Kx8}, with every 6-bit code unpacked to a signed byte (code - 32): the
 * kernel then widens and multiplies, where the row kernel rebuilds each code from a nibble and
 * two high bits (about 3 times the vector operations, plus a copy of each row to the heap).
 *
 * <p>The price is memory: 8 x 274 bytes per 256-column super-block against the file's 8 x 210
 * (1.3 times the matrix; for a 1B Q4_K_M model, whose Q6_K matrices take 330 MB, 100 MB more).
 * {@code -Djllm.q6k.interleave=false} turns it off.
 *
 * <p>Group g holds rows 8g..8g+7 as one {@link #SB_BYTES}-byte unit per super-block:
 * <pre>
 *   [0, 16)       the 8 rows' d (F16), row r at 2r
 *   [16, 144)     the int8 scales: sub-block j (columns 16j..16j+15) of row r at 16 + 8j + r
 *   [144, 2192)   codes - 32 as int8: sub-block j in 8 steps of 16 bytes; step t holds columns
 *                 16j+2t and 16j+2t+1 of every row, row r at 144 + 128j + 16t + 2r (and +1)
 * </pre>
 */
final class Q6_Kx8 {
    private Q6_Kx8() {}

    static final int ROWS = 8;
    /** Bytes of one 256-column super-block of a group. */
    static final int SB_BYTES = 2192;
    private static final int ROW_SB = 210;
    private static final int QUANTS = 144;

    /** Whether Q6_K matrix-vector products interleave: 256-bit vectors; {@code -Djllm.q6k.interleave=false} turns it off. */
    static final boolean ENABLED = Interleave.enabled("jllm.q6k.interleave");

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static boolean applies(Matrix m) {
        return ENABLED && Interleave.fits(m, GgmlType.Q6_K);
    }

    /**
     * Interleaves 8 rows of {@code rowBytes} back to back in {@code in}; false when a d is infinite
     * or NaN. Eight codes at a time: 8 adjacent columns (of a run of 32) have their low bits in 8
     * adjacent ql bytes and their high bits in 8 adjacent qh bytes (ggml's dequantize_row_q6_K:
     * column 128h + 32k + l in ql byte 64h + 32(k & 1) + l from bit 4(k >> 1), and in qh byte
     * 32h + l from bit 2k).
     */
    static boolean packGroup(byte[] in, int rowBytes, int nsb, byte[] out) {
        boolean finite = true;
        for (int i = 0; i < nsb; i++) {
            int o = SB_BYTES * i;
            for (int r = 0; r < ROWS; r++) {
                int src = r * rowBytes + ROW_SB * i;
                finite &= Interleave.copyHalf(in, src + 208, out, o + 2 * r);
                for (int j = 0; j < 16; j++) {
                    out[o + 16 + 8 * j + r] = in[src + 192 + j];
                }
                for (int h = 0; h < 2; h++) {
                    for (int k = 0; k < 4; k++) {   // columns 128h + 32k .. +32, 8 at a time
                        int ql = src + 64 * h + 32 * (k & 1), qlShift = 4 * (k >> 1);
                        int qh = src + 128 + 32 * h, qhShift = 2 * k;
                        int at = o + QUANTS + 8 * (128 * h + 32 * k) + 2 * r;   // their first pair, row r
                        for (int l = 0; l < 32; l += 8, at += 64) {
                            long lo = ((long) LONG.get(in, ql + l) >>> qlShift) & 0x0F0F0F0F0F0F0F0FL;
                            long hi = ((long) LONG.get(in, qh + l) >>> qhShift) & 0x0303030303030303L;
                            // Eight codes 0..63, one a byte, each minus 32 without borrows between
                            // bytes: set bit 7, subtract, flip bit 7 back.
                            long v = (((lo | hi << 4) | 0x8080808080808080L) - 0x2020202020202020L) ^ 0x8080808080808080L;
                            for (int m = 0; m < 4; m++) {   // column pairs: one 16-byte step apart
                                SHORT.set(out, at + 16 * m, (short) (v >>> 16 * m));
                            }
                        }
                    }
                }
            }
        }
        return finite;
    }

    /**
     * Rows r0..r1-1 (of 0..7) of an interleaved group as floats, as ggml's dequantize_row_q6_K
     * computes them ({@code (d * scale) * code}, d times an 8-bit scale exact in a float, so one
     * rounding), row r at out[oo + (r - r0) * cols ..]. Straight from the bytes: putting each row
     * back in the file's encoding first made the BLAS path three times slower.
     */
    static void dequantizeRows(byte[] group, int go, int nsb, int r0, int r1, float[] out, int oo, int cols) {
        for (int i = 0; i < nsb; i++) {
            int o = go + SB_BYTES * i;
            for (int r = r0; r < r1; r++) {
                float d = Float.float16ToFloat((short) SHORT.get(group, o + 2 * r));
                int e = oo + (r - r0) * cols + 256 * i;
                for (int j = 0; j < 16; j++, e += 16) {
                    float s = d * group[o + 16 + 8 * j + r];
                    int q = o + QUANTS + 128 * j + 2 * r;
                    for (int t = 0; t < 8; t++) {
                        out[e + 2 * t] = s * group[q + 16 * t];
                        out[e + 2 * t + 1] = s * group[q + 16 * t + 1];
                    }
                }
            }
        }
    }
}
