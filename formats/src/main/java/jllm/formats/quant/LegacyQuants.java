package jllm.formats.quant;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static jllm.formats.quant.QuantCodecs.LE_INT;
import static jllm.formats.quant.QuantCodecs.LE_SHORT;

import java.lang.foreign.MemorySegment;

/**
 * The 32-element block types: Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 (layouts as in ggml-common.h).
 *
 * <p>Decoders compute {@code q*d} or {@code q*d + m} in float32, element by element, exactly as
 * ggml's {@code dequantize_row_*}. In the 4- and 5-bit types byte {@code j} of {@code qs} holds
 * element {@code j} in its low nibble and element {@code j+16} in its high nibble; the 5th bits
 * sit in a little-endian uint32 {@code qh}, bit {@code j} for element {@code j}.
 */
final class LegacyQuants {
    static final int QK = 32;

    private LegacyQuants() {}

    private static float half(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(LE_SHORT, off));
    }

    private static int u8(MemorySegment s, long off) {
        return s.get(JAVA_BYTE, off) & 0xFF;
    }

    // ---- decoders ----

    /** Q4_0 (18 bytes): f16 d; u8 qs[16]. x = d*(q-8). */
    static void dequantizeQ4_0(MemorySegment src, long off, float[] dst, int y, int nb) {
        for (int i = 0; i < nb; i++, off += 18, y += QK) {
            float d = half(src, off);
            for (int j = 0; j < QK / 2; j++) {
                int q = u8(src, off + 2 + j);
                dst[y + j] = ((q & 0x0F) - 8) * d;
                dst[y + j + QK / 2] = ((q >>> 4) - 8) * d;
            }
        }
    }

    /** Q4_1 (20 bytes): f16 d; f16 m; u8 qs[16]. x = d*q + m. */
    static void dequantizeQ4_1(MemorySegment src, long off, float[] dst, int y, int nb) {
        for (int i = 0; i < nb; i++, off += 20, y += QK) {
            float d = half(src, off);
            float m = half(src, off + 2);
            for (int j = 0; j < QK / 2; j++) {
                int q = u8(src, off + 4 + j);
                dst[y + j] = (q & 0x0F) * d + m;
                dst[y + j + QK / 2] = (q >>> 4) * d + m;
            }
        }
    }

    /** Q5_0 (22 bytes): f16 d; u32 qh; u8 qs[16]. x = d*(q-16). */
    static void dequantizeQ5_0(MemorySegment src, long off, float[] dst, int y, int nb) {
        for (int i = 0; i < nb; i++, off += 22, y += QK) {
            float d = half(src, off);
            int qh = src.get(LE_INT, off + 2);
            for (int j = 0; j < QK / 2; j++) {
                int q = u8(src, off + 6 + j);
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = (((q & 0x0F) | h0) - 16) * d;
                dst[y + j + QK / 2] = (((q >>> 4) | h1) - 16) * d;
            }
        }
    }

    /** Q5_1 (24 bytes): f16 d; f16 m; u32 qh; u8 qs[16]. x = d*q + m. */
    static void dequantizeQ5_1(MemorySegment src, long off, float[] dst, int y, int nb) {
        for (int i = 0; i < nb; i++, off += 24, y += QK) {
            float d = half(src, off);
            float m = half(src, off + 2);
            int qh = src.get(LE_INT, off + 4);
            for (int j = 0; j < QK / 2; j++) {
                int q = u8(src, off + 8 + j);
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = ((q & 0x0F) | h0) * d + m;
                dst[y + j + QK / 2] = ((q >>> 4) | h1) * d + m;
            }
        }
    }

    /** Q8_0 (34 bytes): f16 d; int8 qs[32]. x = d*q. */
    static void dequantizeQ8_0(MemorySegment src, long off, float[] dst, int y, int nb) {
        for (int i = 0; i < nb; i++, off += 34, y += QK) {
            float d = half(src, off);
            for (int j = 0; j < QK; j++) {
                dst[y + j] = src.get(JAVA_BYTE, off + 2 + j) * d;
            }
        }
    }

    // ---- reference encoders ----

    /**
     * Q4_0 as {@code quantize_row_q4_0_ref}: the scale maps the value of largest magnitude,
     * <em>with its sign</em>, to code 0 (d = max / -8), so that value is exact and the opposite
     * extreme clamps at code 15. Codes are {@code (int)(x/d + 8.5)}, i.e. rounding half up after
     * the offset, capped at 15.
     */
    static void quantizeQ4_0(float[] x, int xo, MemorySegment dst, long off, int nb) {
        for (int i = 0; i < nb; i++, xo += QK, off += 18) {
            float amax = 0f;
            float max = 0f;
            for (int j = 0; j < QK; j++) {
                float v = x[xo + j];
                if (amax < Math.abs(v)) {   // strict: the first of equal magnitudes wins
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0f ? 1.0f / d : 0.0f;
            dst.set(LE_SHORT, off, QuantCodecs.floatToHalf(d));
            for (int j = 0; j < QK / 2; j++) {
                float x0 = x[xo + j] * id;
                float x1 = x[xo + QK / 2 + j] * id;
                // C truncates toward zero to int8_t; the sums lie in [0.5, 16.5] so an int cast is the same.
                int q0 = Math.min(15, (int) (x0 + 8.5f));
                int q1 = Math.min(15, (int) (x1 + 8.5f));
                dst.set(JAVA_BYTE, off + 2 + j, (byte) (q0 | (q1 << 4)));
            }
        }
    }

    /**
     * Q8_0 as {@code quantize_row_q8_0_ref}: d = absmax/127 and codes {@code roundf(x/d)} (ties away
     * from zero, unlike the K-quants' round-half-even).
     */
    static void quantizeQ8_0(float[] x, int xo, MemorySegment dst, long off, int nb) {
        for (int i = 0; i < nb; i++, xo += QK, off += 34) {
            float amax = 0f;
            for (int j = 0; j < QK; j++) {
                float a = Math.abs(x[xo + j]);
                amax = amax > a ? amax : a;   // C's MAX macro (differs from Math.max only for NaN)
            }
            float d = amax / ((1 << 7) - 1);
            float id = d != 0f ? 1.0f / d : 0.0f;
            dst.set(LE_SHORT, off, QuantCodecs.floatToHalf(d));
            for (int j = 0; j < QK; j++) {
                dst.set(JAVA_BYTE, off + 2 + j, (byte) roundHalfAway(x[xo + j] * id));
            }
        }
    }

    /** C's {@code roundf}: nearest integer, ties away from zero (Math.round would round -2.5 to -2). */
    static int roundHalfAway(float v) {
        double a = Math.abs((double) v);   // exact; a + 0.5 is exact in double for any float here
        double r = Math.floor(a + 0.5);
        return (int) Math.copySign(r, v);
    }
}
