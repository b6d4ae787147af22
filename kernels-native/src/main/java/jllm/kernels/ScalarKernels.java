package jllm.kernels;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Scalar row-times-activation dot products, one per weight type: straight ports of ggml's generic
 * {@code ggml_vec_dot_*} code (integer sums per block, float scale per block). The fallback when
 * the Vector API is off, and the reference that the vector kernels are tested against.
 *
 * <p>Arguments: weight bytes {@code w} from byte {@code off}; activation codes {@code q} from index
 * {@code qi}; block scales {@code d} from {@code di}; Q8_1 sums / Q8_K bsums {@code s} from
 * {@code si}; {@code n} = number of columns.
 */
final class ScalarKernels {
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ScalarKernels() {}

    static float half(MemorySegment w, long off) {
        return Float.float16ToFloat(w.get(LE_SHORT, off));
    }

    static int u8(MemorySegment w, long off) {
        return w.get(JAVA_BYTE, off) & 0xFF;
    }

    static int byteOf(int word, int k) {
        return (word >>> (k << 3)) & 0xFF;
    }

    static float f32(MemorySegment w, long off, float[] x, int xi, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += w.get(LE_FLOAT, off + 4L * i) * x[xi + i];
        }
        return (float) sum;
    }

    static float f16(MemorySegment w, long off, float[] x, int xi, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Float.float16ToFloat(w.get(LE_SHORT, off + 2L * i)) * x[xi + i];
        }
        return (float) sum;
    }

    static float bf16(MemorySegment w, long off, float[] x, int xi, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Float.intBitsToFloat((w.get(LE_SHORT, off + 2L * i) & 0xFFFF) << 16) * x[xi + i];
        }
        return (float) sum;
    }

    static float q8_0(MemorySegment w, long off, float[] q, int qi, float[] d, int di, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 32; b++, off += 34, qi += 32) {
            int sumi = 0;
            for (int j = 0; j < 32; j++) {
                sumi += w.get(JAVA_BYTE, off + 2 + j) * (int) q[qi + j];
            }
            sumf += sumi * (half(w, off) * d[di + b]);
        }
        return sumf;
    }

    static float q4_0(MemorySegment w, long off, float[] q, int qi, float[] d, int di, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 32; b++, off += 18, qi += 32) {
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                int v = u8(w, off + 2 + j);
                sumi += ((v & 0xF) - 8) * (int) q[qi + j] + ((v >>> 4) - 8) * (int) q[qi + 16 + j];
            }
            sumf = Math.fma((float) sumi, half(w, off) * d[di + b], sumf); // llama.cpp's order, see RowKernels.q4_0
        }
        return sumf;
    }

    static float q4_1(MemorySegment w, long off, float[] q, int qi, float[] d, int di, float[] s, int si, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 32; b++, off += 20, qi += 32) {
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                int v = u8(w, off + 4 + j);
                sumi += (v & 0xF) * (int) q[qi + j] + (v >>> 4) * (int) q[qi + 16 + j];
            }
            sumf += (half(w, off) * d[di + b]) * sumi + half(w, off + 2) * s[si + b];
        }
        return sumf;
    }

    static float q5_0(MemorySegment w, long off, float[] q, int qi, float[] d, int di, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 32; b++, off += 22, qi += 32) {
            int qh = w.get(LE_INT, off + 2);
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                int v = u8(w, off + 6 + j);
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                sumi += (((v & 0xF) | h0) - 16) * (int) q[qi + j] + (((v >>> 4) | h1) - 16) * (int) q[qi + 16 + j];
            }
            sumf += sumi * (half(w, off) * d[di + b]);
        }
        return sumf;
    }

    static float q5_1(MemorySegment w, long off, float[] q, int qi, float[] d, int di, float[] s, int si, int n) {
        float sumf = 0;
        for (int b = 0; b < n / 32; b++, off += 24, qi += 32) {
            int qh = w.get(LE_INT, off + 4);
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                int v = u8(w, off + 8 + j);
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                sumi += ((v & 0xF) | h0) * (int) q[qi + j] + ((v >>> 4) | h1) * (int) q[qi + 16 + j];
            }
            sumf += (half(w, off) * d[di + b]) * sumi + half(w, off + 2) * s[si + b];
        }
        return sumf;
    }

    static float q2_K(MemorySegment w, long off, float[] q, int qi, float[] d, int di, float[] s, int si, int n) {
        float sumf = 0;
        for (int i = 0; i < n / 256; i++, off += 84, qi += 256, si += 16) {
            int summs = 0;
            for (int j = 0; j < 16; j++) {
                summs += (int) s[si + j] * (u8(w, off + j) >>> 4);
            }
            float dall = d[di + i] * half(w, off + 80);
            float dmin = d[di + i] * half(w, off + 82);
            int isum = 0;
            for (int k = 0; k < 2; k++) {
                long q2 = off + 16 + 32 * k;
                for (int sh = 0; sh < 4; sh++) {
                    for (int part = 0; part < 2; part++) {
                        int sc = u8(w, off + 8 * k + 2 * sh + part) & 0xF;
                        int isuml = 0;
                        int e = qi + 128 * k + 32 * sh + 16 * part;
                        for (int l = 0; l < 16; l++) {
                            isuml += (int) q[e + l] * ((u8(w, q2 + 16 * part + l) >>> (2 * sh)) & 3);
                        }
                        isum += sc * isuml;
                    }
                }
            }
            sumf += dall * isum - dmin * summs;
        }
        return sumf;
    }

    /** The 16 Q3_K scales, 6-bit unsigned, in 4 words of 4 bytes (ggml's kmask unpacking). */
    static int q3Scales(MemorySegment w, long sc, int word) {
        int a0 = w.get(LE_INT, sc);
        int a1 = w.get(LE_INT, sc + 4);
        int tmp = w.get(LE_INT, sc + 8);
        return switch (word) {
            case 0 -> (a0 & 0x0f0f0f0f) | ((tmp & 0x03030303) << 4);
            case 1 -> (a1 & 0x0f0f0f0f) | (((tmp >>> 2) & 0x03030303) << 4);
            case 2 -> ((a0 >>> 4) & 0x0f0f0f0f) | (((tmp >>> 4) & 0x03030303) << 4);
            default -> ((a1 >>> 4) & 0x0f0f0f0f) | (((tmp >>> 6) & 0x03030303) << 4);
        };
    }

    static float q3_K(MemorySegment w, long off, float[] q, int qi, float[] d, int di, int n) {
        float sumf = 0;
        for (int i = 0; i < n / 256; i++, off += 110, qi += 256) {
            int isum = 0;
            for (int k = 0; k < 2; k++) {
                long q3 = off + 32 + 32 * k;
                for (int sh = 0; sh < 4; sh++) {
                    int m = 1 << (4 * k + sh);
                    for (int part = 0; part < 2; part++) {
                        int j = 8 * k + 2 * sh + part;
                        int sc = byteOf(q3Scales(w, off + 96, j >>> 2), j & 3) - 32;
                        int isuml = 0;
                        int e = qi + 128 * k + 32 * sh + 16 * part;
                        for (int l = 0; l < 16; l++) {
                            int lq = 16 * part + l;
                            int code = ((u8(w, q3 + lq) >>> (2 * sh)) & 3) - ((u8(w, off + lq) & m) != 0 ? 0 : 4);
                            isuml += (int) q[e + l] * code;
                        }
                        isum += sc * isuml;
                    }
                }
            }
            sumf += (half(w, off + 108) * d[di + i]) * isum;
        }
        return sumf;
    }

    /** Q4_K/Q5_K scales (6-bit) as words: 0 = scales 0..3, 1 = scales 4..7, 2 = mins 0..3, 3 = mins 4..7. */
    static int k4Scales(MemorySegment w, long sc, int word) {
        int u0 = w.get(LE_INT, sc);
        int u1 = w.get(LE_INT, sc + 4);
        int u2 = w.get(LE_INT, sc + 8);
        return switch (word) {
            case 0 -> u0 & 0x3f3f3f3f;
            case 1 -> (u2 & 0x0f0f0f0f) | (((u0 >>> 6) & 0x03030303) << 4);
            case 2 -> u1 & 0x3f3f3f3f;
            default -> ((u2 >>> 4) & 0x0f0f0f0f) | (((u1 >>> 6) & 0x03030303) << 4);
        };
    }

    static float q4_K(MemorySegment w, long off, float[] q, int qi, float[] d, int di, float[] s, int si, int n) {
        float sumf = 0;
        for (int i = 0; i < n / 256; i++, off += 144, qi += 256, si += 16) {
            int summs = 0;
            int isum = 0;
            for (int j = 0; j < 8; j++) {
                int sc = byteOf(k4Scales(w, off + 4, j >>> 2), j & 3);
                int mn = byteOf(k4Scales(w, off + 4, 2 + (j >>> 2)), j & 3);
                summs += mn * ((int) s[si + 2 * j] + (int) s[si + 2 * j + 1]);
                long qs = off + 16 + 32 * (j >>> 1);
                int shift = 4 * (j & 1);
                int isuml = 0;
                for (int l = 0; l < 32; l++) {
                    isuml += ((u8(w, qs + l) >>> shift) & 0xF) * (int) q[qi + 32 * j + l];
                }
                isum += sc * isuml;
            }
            sumf += (half(w, off) * d[di + i]) * isum - (half(w, off + 2) * d[di + i]) * summs;
        }
        return sumf;
    }

    static float q5_K(MemorySegment w, long off, float[] q, int qi, float[] d, int di, float[] s, int si, int n) {
        float sumf = 0;
        for (int i = 0; i < n / 256; i++, off += 176, qi += 256, si += 16) {
            int summs = 0;
            int isum = 0;
            for (int j = 0; j < 8; j++) {
                int sc = byteOf(k4Scales(w, off + 4, j >>> 2), j & 3);
                int mn = byteOf(k4Scales(w, off + 4, 2 + (j >>> 2)), j & 3);
                summs += mn * ((int) s[si + 2 * j] + (int) s[si + 2 * j + 1]);
                long ql = off + 48 + 32 * (j >>> 1);
                int shift = 4 * (j & 1);
                int isuml = 0;
                for (int l = 0; l < 32; l++) {
                    int code = ((u8(w, ql + l) >>> shift) & 0xF) + (((u8(w, off + 16 + l) >>> j) & 1) << 4);
                    isuml += code * (int) q[qi + 32 * j + l];
                }
                isum += sc * isuml;
            }
            sumf += (half(w, off) * d[di + i]) * isum - (half(w, off + 2) * d[di + i]) * summs;
        }
        return sumf;
    }

    static float q6_K(MemorySegment w, long off, float[] q, int qi, float[] d, int di, int n) {
        float sumf = 0;
        for (int i = 0; i < n / 256; i++, off += 210, qi += 256) {
            int isum = 0;
            for (int h = 0; h < 2; h++) {
                long ql = off + 64 * h;
                long qh = off + 128 + 32 * h;
                long sc = off + 192 + 8 * h;
                int e = qi + 128 * h;
                for (int g = 0; g < 2; g++) {        // 16-element groups within the 32
                    int s1 = 0, s2 = 0, s3 = 0, s4 = 0;
                    for (int l = 16 * g; l < 16 * g + 16; l++) {
                        int a = u8(w, ql + l);
                        int b = u8(w, ql + l + 32);
                        int hh = u8(w, qh + l);
                        s1 += (((a & 0xF) | ((hh & 3) << 4)) - 32) * (int) q[e + l];
                        s2 += (((b & 0xF) | (((hh >>> 2) & 3) << 4)) - 32) * (int) q[e + l + 32];
                        s3 += (((a >>> 4) | (((hh >>> 4) & 3) << 4)) - 32) * (int) q[e + l + 64];
                        s4 += (((b >>> 4) | (((hh >>> 6) & 3) << 4)) - 32) * (int) q[e + l + 96];
                    }
                    isum += w.get(JAVA_BYTE, sc + g) * s1 + w.get(JAVA_BYTE, sc + g + 2) * s2
                            + w.get(JAVA_BYTE, sc + g + 4) * s3 + w.get(JAVA_BYTE, sc + g + 6) * s4;
                }
            }
            sumf += (half(w, off + 208) * d[di + i]) * isum;
        }
        return sumf;
    }
}
