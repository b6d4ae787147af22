package jllm.formats.quant;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static jllm.formats.quant.QuantCodecs.LE_FLOAT;
import static jllm.formats.quant.QuantCodecs.LE_SHORT;
import static jllm.formats.quant.ScaleSearch.clamp;
import static jllm.formats.quant.ScaleSearch.nearestInt;

import java.lang.foreign.MemorySegment;

/**
 * The 256-element super-block types Q2_K..Q6_K and the activation type Q8_K (layouts as in
 * ggml-common.h, bit order as in ggml's {@code dequantize_row_q*_K}).
 *
 * <p>Each super-block has one or two f16 factors and per-sub-block integer scales (and mins);
 * element values are {@code (d*scale)*q - (dmin*min)}, computed in that order in float32 so the
 * results are bit-identical to ggml's.
 */
final class KQuants {
    static final int QK_K = 256;

    static final int Q2_K_BYTES = 84;
    static final int Q3_K_BYTES = 110;
    static final int Q4_K_BYTES = 144;
    static final int Q5_K_BYTES = 176;
    static final int Q6_K_BYTES = 210;
    static final int Q8_K_BYTES = 292;

    private KQuants() {}

    private static float half(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(LE_SHORT, off));
    }

    private static int u8(MemorySegment s, long off) {
        return s.get(JAVA_BYTE, off) & 0xFF;
    }

    /**
     * ggml's {@code get_scale_min_k4}: Q4_K/Q5_K pack eight 6-bit scales and eight 6-bit mins in
     * 12 bytes. Sub-blocks 0..3 keep theirs in the low 6 bits of bytes 0..3 (scales) and 4..7
     * (mins); sub-blocks 4..7 have their low 4 bits in the nibbles of bytes 8..11 and their top 2
     * bits in the top 2 bits of bytes 0..3 (scale) and 4..7 (min). Returns {@code scale | min << 8}.
     */
    static int scaleMinK4(int j, MemorySegment s, long off) {
        int sc;
        int m;
        if (j < 4) {
            sc = u8(s, off + j) & 63;
            m = u8(s, off + j + 4) & 63;
        } else {
            int b = u8(s, off + j + 4);
            sc = (b & 0xF) | ((u8(s, off + j - 4) >>> 6) << 4);
            m = (b >>> 4) | ((u8(s, off + j) >>> 6) << 4);
        }
        return sc | (m << 8);
    }

    // ---- decoders ----

    /**
     * Q2_K (84 bytes): u8 scales[16] (low nibble scale, high nibble min, one pair per 16
     * elements); u8 qs[64]; f16 d; f16 dmin. Each 128-element half uses 32 bytes of qs; the
     * four 2-bit fields of qs[l] belong to elements l, l+32, l+64, l+96 of the half.
     */
    static void dequantizeQ2_K(MemorySegment src, long off, float[] dst, int y, int nb) {
        for (int i = 0; i < nb; i++, off += Q2_K_BYTES) {
            float d = half(src, off + 80);
            float min = half(src, off + 82);
            long q = off + 16;
            int is = 0;
            for (int n = 0; n < QK_K; n += 128) {
                for (int shift = 0; shift < 8; shift += 2) {
                    for (int part = 0; part < 2; part++) {   // elements l and l+16 of the 32
                        int sc = u8(src, off + is++);
                        float dl = d * (sc & 0xF);
                        float ml = min * (sc >>> 4);
                        for (int l = 0; l < 16; l++) {
                            dst[y++] = dl * ((u8(src, q + 16 * part + l) >>> shift) & 3) - ml;
                        }
                    }
                }
                q += 32;
            }
        }
    }

    /**
     * Q3_K (110 bytes): u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d. Codes are 2 low bits from
     * qs (as in Q2_K) plus a high bit from hmask (bit b of hmask[l] for the b-th group of 32),
     * with the high bit <em>clear</em> meaning subtract 4. Sixteen signed 6-bit scales (offset 32)
     * are packed as in {@link #q3kScale}.
     */
    static void dequantizeQ3_K(MemorySegment src, long off, float[] dst, int y, int nb) {
        for (int i = 0; i < nb; i++, off += Q3_K_BYTES) {
            float dAll = half(src, off + 108);
            long hm = off;
            long q = off + 32;
            long scales = off + 96;
            int m = 1;
            int is = 0;
            for (int n = 0; n < QK_K; n += 128) {
                for (int shift = 0; shift < 8; shift += 2) {
                    for (int part = 0; part < 2; part++) {
                        float dl = dAll * (q3kScale(src, scales, is++) - 32);
                        for (int l = 0; l < 16; l++) {
                            int k = 16 * part + l;
                            int code = ((u8(src, q + k) >>> shift) & 3) - ((u8(src, hm + k) & m) != 0 ? 0 : 4);
                            dst[y++] = dl * code;
                        }
                    }
                    m <<= 1;
                }
                q += 32;
            }
        }
    }

    /**
     * The j-th (0..15) 6-bit Q3_K scale, unsigned (0..63): low 4 bits in the low nibble of byte j
     * (j &lt; 8) or the high nibble of byte j-8, high 2 bits in byte 8 + j%4 at bit 2*(j/4).
     */
    static int q3kScale(MemorySegment s, long scales, int j) {
        int low = j < 8 ? u8(s, scales + j) & 0xF : u8(s, scales + j - 8) >>> 4;
        int high = (u8(s, scales + 8 + (j & 3)) >>> (2 * (j >>> 2))) & 3;
        return low | (high << 4);
    }

    /**
     * Q4_K (144 bytes): f16 d; f16 dmin; u8 scales[12] (see {@link #scaleMinK4}); u8 qs[128].
     * Each 64 elements use 32 bytes: low nibbles for the first 32, high nibbles for the next.
     */
    static void dequantizeQ4_K(MemorySegment src, long off, float[] dst, int y, int nb) {
        for (int i = 0; i < nb; i++, off += Q4_K_BYTES) {
            float d = half(src, off);
            float min = half(src, off + 2);
            long q = off + 16;
            for (int is = 0; is < 8; is += 2, q += 32) {
                int sm1 = scaleMinK4(is, src, off + 4);
                int sm2 = scaleMinK4(is + 1, src, off + 4);
                float d1 = d * (sm1 & 0xFF);
                float m1 = min * (sm1 >>> 8);
                float d2 = d * (sm2 & 0xFF);
                float m2 = min * (sm2 >>> 8);
                for (int l = 0; l < 32; l++) {
                    dst[y++] = d1 * (u8(src, q + l) & 0xF) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    dst[y++] = d2 * (u8(src, q + l) >>> 4) - m2;
                }
            }
        }
    }

    /**
     * Q5_K (176 bytes): f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]. As Q4_K plus a 5th
     * bit: for the k-th group of 32 elements, bit k of qh[l] adds 16 to element l.
     */
    static void dequantizeQ5_K(MemorySegment src, long off, float[] dst, int y, int nb) {
        for (int i = 0; i < nb; i++, off += Q5_K_BYTES) {
            float d = half(src, off);
            float min = half(src, off + 2);
            long qh = off + 16;
            long ql = off + 48;
            int u1 = 1;
            int u2 = 2;
            for (int is = 0; is < 8; is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
                int sm1 = scaleMinK4(is, src, off + 4);
                int sm2 = scaleMinK4(is + 1, src, off + 4);
                float d1 = d * (sm1 & 0xFF);
                float m1 = min * (sm1 >>> 8);
                float d2 = d * (sm2 & 0xFF);
                float m2 = min * (sm2 >>> 8);
                for (int l = 0; l < 32; l++) {
                    int code = (u8(src, ql + l) & 0xF) + ((u8(src, qh + l) & u1) != 0 ? 16 : 0);
                    dst[y++] = d1 * code - m1;
                }
                for (int l = 0; l < 32; l++) {
                    int code = (u8(src, ql + l) >>> 4) + ((u8(src, qh + l) & u2) != 0 ? 16 : 0);
                    dst[y++] = d2 * code - m2;
                }
            }
        }
    }

    /**
     * Q6_K (210 bytes): u8 ql[128]; u8 qh[64]; int8 scales[16]; f16 d. Per 128 elements: 64 bytes
     * of ql (low nibbles of ql[l] and ql[l+32] are elements l and l+32, high nibbles l+64 and
     * l+96), 32 bytes of qh (2 bits each for l, l+32, l+64, l+96), 8 scales (one per 16).
     * Codes are 6-bit minus 32; x = (d*scale)*q.
     */
    static void dequantizeQ6_K(MemorySegment src, long off, float[] dst, int y, int nb) {
        for (int i = 0; i < nb; i++, off += Q6_K_BYTES) {
            float d = half(src, off + 208);
            long ql = off;
            long qh = off + 128;
            long sc = off + 192;
            for (int n = 0; n < QK_K; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int a = u8(src, ql + l);
                    int b = u8(src, ql + l + 32);
                    int h = u8(src, qh + l);
                    int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((b & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                    int q3 = ((a >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                    int q4 = ((b >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                    dst[y + l] = d * src.get(JAVA_BYTE, sc + is) * q1;
                    dst[y + l + 32] = d * src.get(JAVA_BYTE, sc + is + 2) * q2;
                    dst[y + l + 64] = d * src.get(JAVA_BYTE, sc + is + 4) * q3;
                    dst[y + l + 96] = d * src.get(JAVA_BYTE, sc + is + 6) * q4;
                }
            }
        }
    }

    /** Q8_K (292 bytes): <b>f32</b> d; int8 qs[256]; int16 bsums[16]. x = d*q. */
    static void dequantizeQ8_K(MemorySegment src, long off, float[] dst, int y, int nb) {
        for (int i = 0; i < nb; i++, off += Q8_K_BYTES) {
            float d = src.get(LE_FLOAT, off);
            for (int j = 0; j < QK_K; j++) {
                dst[y++] = d * src.get(JAVA_BYTE, off + 4 + j);
            }
        }
    }

    // ---- reference encoders ----

    /**
     * Q4_K as {@code quantize_row_q4_K_ref}: per 32 elements, {@link ScaleSearch#makeQkx2Quants}
     * with weights {@code rms + |x|} finds a scale and min; both sets are quantized to 6 bits
     * against the super-block's largest (d = max_scale/63, dmin = max_min/63), then every element
     * is re-coded with the quantized factors.
     */
    static void quantizeQ4_K(float[] x, int xo, MemorySegment dst, long off, int nb) {
        int[] L = new int[QK_K];
        int[] laux = new int[32];
        float[] weights = new float[32];
        float[] mins = new float[QK_K / 32];
        float[] scales = new float[QK_K / 32];
        int[] packed = new int[12];
        for (int i = 0; i < nb; i++, xo += QK_K, off += Q4_K_BYTES) {
            float maxScale = 0;   // scales come out positive as the min is subtracted
            float maxMin = 0;
            for (int j = 0; j < QK_K / 32; ++j) {
                int base = xo + 32 * j;
                float sumX2 = 0;
                for (int l = 0; l < 32; ++l) {
                    sumX2 += x[base + l] * x[base + l];
                }
                float avX = (float) Math.sqrt(sumX2 / 32);   // double sqrt rounded once == sqrtf
                for (int l = 0; l < 32; ++l) {
                    weights[l] = avX + Math.abs(x[base + l]);
                }
                scales[j] = ScaleSearch.makeQkx2Quants(32, 15, x, base, weights, L, 32 * j, mins, j, laux,
                        -1.f, 0.1f, 20);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }

            float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
            float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
            for (int j = 0; j < QK_K / 32; ++j) {
                // C stores nearest_int in a uint8_t before MIN(63, ..): keep that wrap-around.
                int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
                int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
                if (j < 4) {
                    packed[j] = ls;
                    packed[j + 4] = lm;
                } else {
                    packed[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4);
                    packed[j - 4] |= (ls >>> 4) << 6;
                    packed[j] |= (lm >>> 4) << 6;
                }
            }
            short dBits = QuantCodecs.floatToHalf(maxScale / 63.f);
            short dminBits = QuantCodecs.floatToHalf(maxMin / 63.f);
            dst.set(LE_SHORT, off, dBits);
            dst.set(LE_SHORT, off + 2, dminBits);
            for (int k = 0; k < 12; k++) {
                dst.set(JAVA_BYTE, off + 4 + k, (byte) packed[k]);
            }

            float dq = Float.float16ToFloat(dBits);
            float dminq = Float.float16ToFloat(dminBits);
            for (int j = 0; j < QK_K / 32; ++j) {
                int sm = scaleMinK4(j, dst, off + 4);
                float d = dq * (sm & 0xFF);
                if (d == 0f) {
                    continue;   // keeps the codes from the search, as ggml does
                }
                float dm = dminq * (sm >>> 8);
                for (int ii = 0; ii < 32; ++ii) {
                    L[32 * j + ii] = clamp(nearestInt((x[xo + 32 * j + ii] + dm) / d), 0, 15);
                }
            }

            long q = off + 16;
            for (int j = 0; j < QK_K; j += 64, q += 32) {
                for (int l = 0; l < 32; ++l) {
                    dst.set(JAVA_BYTE, q + l, (byte) (L[j + l] | (L[j + l + 32] << 4)));
                }
            }
        }
    }

    /**
     * Q6_K as {@code quantize_row_q6_K_ref}: per 16 elements, {@link ScaleSearch#makeQxQuants}
     * (32 levels each side); the 16 scales are quantized to int8 against the one of largest
     * magnitude (d = max_scale / -128), and every element is re-coded with the quantized scale.
     * An all-(near-)zero super-block is written as 210 zero bytes.
     */
    static void quantizeQ6_K(float[] x, int xo, MemorySegment dst, long off, int nb) {
        int[] L = new int[QK_K];
        float[] scales = new float[QK_K / 16];
        int[] sc = new int[QK_K / 16];
        for (int i = 0; i < nb; i++, xo += QK_K, off += Q6_K_BYTES) {
            float maxScale = 0;
            float maxAbsScale = 0;
            for (int ib = 0; ib < QK_K / 16; ++ib) {
                float scale = ScaleSearch.makeQxQuants(16, 32, x, xo + 16 * ib, L, 16 * ib);
                scales[ib] = scale;
                float abs = Math.abs(scale);
                if (abs > maxAbsScale) {
                    maxAbsScale = abs;
                    maxScale = scale;
                }
            }
            if (maxAbsScale < ScaleSearch.GROUP_MAX_EPS) {
                dst.asSlice(off, Q6_K_BYTES).fill((byte) 0);
                continue;
            }

            float iscale = -128.f / maxScale;
            short dBits = QuantCodecs.floatToHalf(1 / iscale);
            for (int ib = 0; ib < QK_K / 16; ++ib) {
                sc[ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));   // stored as int8
            }
            float dq = Float.float16ToFloat(dBits);
            for (int j = 0; j < QK_K / 16; ++j) {
                float d = dq * sc[j];
                if (d == 0f) {
                    continue;
                }
                for (int ii = 0; ii < 16; ++ii) {
                    int l = clamp(nearestInt(x[xo + 16 * j + ii] / d), -32, 31);
                    L[16 * j + ii] = l + 32;
                }
            }

            long ql = off;
            long qh = off + 128;
            for (int j = 0; j < QK_K; j += 128, ql += 64, qh += 32) {
                for (int l = 0; l < 32; ++l) {
                    int q1 = L[j + l] & 0xF;
                    int q2 = L[j + l + 32] & 0xF;
                    int q3 = L[j + l + 64] & 0xF;
                    int q4 = L[j + l + 96] & 0xF;
                    dst.set(JAVA_BYTE, ql + l, (byte) (q1 | (q3 << 4)));
                    dst.set(JAVA_BYTE, ql + l + 32, (byte) (q2 | (q4 << 4)));
                    int h = (L[j + l] >>> 4) | ((L[j + l + 32] >>> 4) << 2)
                            | ((L[j + l + 64] >>> 4) << 4) | ((L[j + l + 96] >>> 4) << 6);
                    dst.set(JAVA_BYTE, qh + l, (byte) h);
                }
            }
            for (int ib = 0; ib < QK_K / 16; ++ib) {
                dst.set(JAVA_BYTE, off + 192 + ib, (byte) sc[ib]);
            }
            dst.set(LE_SHORT, off + 208, dBits);
        }
    }

    /**
     * Q8_K as {@code quantize_row_q8_K_ref} (the x86 {@code from_float} for K-quant dot products):
     * iscale = -127 / signed_max, codes {@code min(127, nearest_int(iscale*x))}, d = 1/iscale as
     * float32 (so d is negative when the extreme is positive), bsums = sums of 16 codes. A zero
     * block gets d = 0 and zero codes and sums.
     */
    static void quantizeQ8_K(float[] x, int xo, MemorySegment dst, long off, int nb) {
        for (int i = 0; i < nb; i++, xo += QK_K, off += Q8_K_BYTES) {
            float max = 0;
            float amax = 0;
            for (int j = 0; j < QK_K; ++j) {
                float ax = Math.abs(x[xo + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[xo + j];
                }
            }
            if (amax == 0f) {
                dst.asSlice(off, Q8_K_BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -127.f / max;
            for (int g = 0; g < QK_K / 16; ++g) {
                int sum = 0;
                for (int ii = 0; ii < 16; ++ii) {
                    int j = 16 * g + ii;
                    int v = Math.min(127, nearestInt(iscale * x[xo + j]));
                    dst.set(JAVA_BYTE, off + 4 + j, (byte) v);
                    sum += (byte) v;
                }
                dst.set(LE_SHORT, off + 4 + QK_K + 2L * g, (short) sum);
            }
            dst.set(LE_FLOAT, off, 1 / iscale);
        }
    }
}
