package jllm.kernels;

import jllm.formats.GgmlType;
import jllm.formats.quant.QuantCodecs;

/**
 * An activation (one or more rows of floats) converted to what a weight type's dot product needs,
 * as in ggml's {@code vec_dot_type}: F32 kept, F16/BF16 rounded, Q8_0 / Q8_1 / Q8_K quantized.
 * Quantized codes are stored as floats (exact small integers) so the vector kernels can multiply
 * them without widening; block scales as floats. Buffers grow on demand and are reused.
 *
 * <p>The quantizers give the same codes and scales as ggml's reference quantizers
 * ({@code quantize_row_q8_0_ref}, {@code quantize_row_q8_1_ref}, {@code quantize_row_q8_K_ref}),
 * i.e. the bytes of {@link QuantCodecs#quantize}.
 */
final class Activation {
    /** Codes (or rounded values for F16/BF16), batch x cols. */
    float[] q = new float[0];
    /** Block scales (fp16-rounded for Q8_0/Q8_1, float32 for Q8_K), batch x blocks. */
    float[] d = new float[0];
    /** Q8_1: s = d*sum(q) (fp16-rounded) per block; Q8_K: bsums (sums of 16 codes), batch x cols/16. */
    float[] s = new float[0];

    /** Q8_K only: sums of 32 codes (bsums pairs), batch x cols/32, for the K-quant min terms. */
    int[] bsum32 = new int[0];

    /** Row 0's Q8_0 codes again as shorts, and each 32-block's code sum ({@link #shortCodes}). */
    short[] qs = new short[0];
    int[] qsum32 = new int[0];
    /** Row 0's Q8_0 codes in pairs (element 2i in the low 16 bits, 2i+1 in the high) and 8 x each block's code sum ({@link #pairCodes}). */
    int[] qp = new int[0];
    int[] qsum8 = new int[0];
    /** Row 0's Q8_K codes in pairs for the interleaved Q4_K matVec ({@link #pairCodesQ4K}). */
    int[] qk4 = new int[0];
    /** Row 0's Q8_K codes as shorts in the order of the 16-bit Q4_K matVec ({@link #q4kCodes}). */
    short[] qk = new short[0];

    /** Block scales transposed for the eight-row kernels: dT[8*block + row] ({@link #transposeScales}). */
    float[] dT = new float[0];
    /** Q8_K 32-sums transposed for {@link RowKernels#q4_Ka8}: bsumT[8*k + row] ({@link #transposeQ8K}). */
    int[] bsumT = new int[0];

    int cols;

    /** Kinds of activation encoding. */
    static final int F32 = 0, F16 = 1, BF16 = 2, Q8_0 = 3, Q8_1 = 4, Q8_K = 5;

    static int kindFor(GgmlType weight) {
        return switch (weight) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            case Q8_0, Q4_0, Q5_0 -> Q8_0;
            case Q4_1, Q5_1 -> Q8_1;
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> Q8_K;
            default -> throw new IllegalArgumentException("no kernel for " + weight);
        };
    }

    /** Fills row {@code b} of the buffers (sized for {@code batch} rows) from x[xOff .. xOff+cols). */
    void prepare(int kind, float[] x, int xOff, int cols, int b, int batch) {
        this.cols = cols;
        if (kind == F32) {
            return;
        }
        ensure(cols, batch);
        int qo = b * cols;
        switch (kind) {
            case F16 -> {
                for (int i = 0; i < cols; i++) {
                    q[qo + i] = Float.float16ToFloat(QuantCodecs.floatToHalf(x[xOff + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < cols; i++) {
                    q[qo + i] = QuantCodecs.bf16ToFloat(QuantCodecs.floatToBf16(x[xOff + i]));
                }
            }
            case Q8_0 -> quantizeQ8(x, xOff, cols, q, qo, d, b * (cols / 32), null, 0);
            case Q8_1 -> quantizeQ8(x, xOff, cols, q, qo, d, b * (cols / 32), s, b * (cols / 32));
            case Q8_K -> {
                quantizeQ8K(x, xOff, cols, q, qo, d, b * (cols / 256), s, b * (cols / 16));
                int so = b * (cols / 16), po = b * (cols / 32);
                for (int k = 0; k < cols / 32; k++) {
                    bsum32[po + k] = (int) s[so + 2 * k] + (int) s[so + 2 * k + 1];
                }
            }
            default -> throw new IllegalArgumentException("kind " + kind);
        }
    }

    /**
     * After {@link #prepare} of rows 0 .. batch-1 of a batch of {@link RowKernels#A8} as Q8_0: the
     * block scales transposed, dT[8*block + row], and 0 for the rows past the batch (their lanes
     * are computed and dropped).
     */
    void transposeScales(int cols, int batch) {
        int nb = cols / 32, a8 = RowKernels.A8;
        if (dT.length < a8 * nb + a8) {
            dT = new float[a8 * nb + a8];   // the slack: the kernel's 16-lane loads read 8 past a block's
        }
        for (int k = 0; k < nb; k++) {
            for (int r = 0; r < a8; r++) {
                dT[a8 * k + r] = r < batch ? d[r * nb + k] : 0f;
            }
        }
    }

    /**
     * After {@link #prepare} of rows 0 .. batch-1 of a batch of {@link RowKernels#A8} as Q8_K,
     * for {@link RowKernels#q4_Ka8}: the scales (dT) and 32-sums (bsumT) transposed, 0 for the
     * rows past the batch, and every row's codes as shorts in {@link #q4kCodes}' order at
     * qk[row*cols ..].
     */
    void transposeQ8K(int cols, int batch, int lanes) {
        int a8 = RowKernels.A8, nsb = cols / 256, nb = cols / 32;
        if (dT.length < a8 * nsb + a8) {
            dT = new float[a8 * nsb + a8];
        }
        if (bsumT.length < a8 * nb) {
            bsumT = new int[a8 * nb];
        }
        if (qk.length < a8 * cols) {
            qk = new short[a8 * cols];
        }
        for (int i = 0; i < nsb; i++) {
            for (int r = 0; r < a8; r++) {
                dT[a8 * i + r] = r < batch ? d[r * nsb + i] : 0f;
            }
        }
        for (int k = 0; k < nb; k++) {
            for (int r = 0; r < a8; r++) {
                bsumT[a8 * k + r] = r < batch ? bsum32[r * nb + k] : 0;
            }
        }
        for (int r = 0; r < batch; r++) {
            q4kCodes(r * cols, cols, lanes);
        }
    }

    /**
     * After {@link #prepare} of row 0 as Q8_0: its codes as shorts and each block's code sum, for
     * the int16 Q4_0 matVec (RowKernels.q4_0s); only that path pays for it.
     */
    void shortCodes(int cols) {
        if (qs.length < cols) {
            qs = new short[cols];
            qsum32 = new int[cols / 32];
        }
        for (int k = 0; k < cols / 32; k++) {
            int sum = 0;
            for (int j = 32 * k; j < 32 * k + 32; j++) {
                int v = (int) q[j];
                qs[j] = (short) v;
                sum += v;
            }
            qsum32[k] = sum;
        }
    }

    /**
     * After {@link #prepare} of row 0 as Q8_0: its codes two to an int (low 16 bits the even
     * element) and 8 x each block's code sum, for the interleaved Q4_0 matVec (RowKernels.q4_0x8).
     */
    void pairCodes(int cols) {
        if (qp.length < cols / 2) {
            qp = new int[cols / 2];
            qsum8 = new int[cols / 32];
        }
        for (int k = 0; k < cols / 32; k++) {
            int sum = 0;
            for (int j = 32 * k; j < 32 * k + 32; j += 2) {
                qp[j / 2] = pairOf(j, j + 1);
                sum += (int) q[j] + (int) q[j + 1];
            }
            qsum8[k] = 8 * sum;
        }
    }

    /**
     * After {@link #prepare} of row 0 as Q8_K: its codes in pairs for the interleaved Q4_K
     * matVec (RowKernels.q4_Kx8), one int each (low 16 bits the first): for step t (columns
     * 4t..4t+3 of the low nibbles, 32+4t.. of the high ones) of chunk c (64 columns at e) of
     * super-block i, at 128i + 32c + 4t: (e+4t, e+4t+2), (e+32+4t, e+32+4t+2), (e+4t+1, e+4t+3),
     * (e+32+4t+1, e+32+4t+3).
     */
    void pairCodesQ4K(int cols) {
        if (qk4.length < cols / 2) {
            qk4 = new int[cols / 2];
        }
        for (int c = 0; c < cols / 64; c++) {
            int e = 64 * c;
            for (int t = 0; t < 8; t++) {
                int x = 32 * c + 4 * t, a = e + 4 * t;
                qk4[x] = pairOf(a, a + 2);
                qk4[x + 1] = pairOf(a + 32, a + 34);
                qk4[x + 2] = pairOf(a + 1, a + 3);
                qk4[x + 3] = pairOf(a + 33, a + 35);
            }
        }
    }

    private int pairOf(int a, int b) {
        return ((int) q[a] & 0xFFFF) | ((int) q[b] << 16);
    }

    /**
     * After {@link #prepare} of row 0 as Q8_K: its codes as shorts, per group of 4 x lanes
     * elements (lanes = 16-bit lanes of RowKernels.q4_Ks' vectors) in four runs of {@code lanes}:
     * for lane L, in 64-element chunk c = L/16 of the group and i = L%16, the codes of elements
     * 2i, 2i+1 (low nibbles) and 32+2i, 32+2i+1 (high nibbles) of that chunk.
     */
    void q4kCodes(int cols, int lanes) {
        if (qk.length < cols) {
            qk = new short[cols];
        }
        q4kCodes(0, cols, lanes);
    }

    /** The codes of the row at q[off ..] into qk[off ..], in {@link #q4kCodes}' order. */
    private void q4kCodes(int off, int cols, int lanes) {
        for (int base = 0; base < cols; base += 4 * lanes) {
            for (int lane = 0; lane < lanes; lane++) {
                int e = off + base + 64 * (lane / 16) + 2 * (lane % 16), k = off + base;
                qk[k + lane] = (short) q[e];
                qk[k + lanes + lane] = (short) q[e + 1];
                qk[k + 2 * lanes + lane] = (short) q[e + 32];
                qk[k + 3 * lanes + lane] = (short) q[e + 33];
            }
        }
    }

    private void ensure(int cols, int batch) {
        int nq = cols * batch;
        if (q.length < nq) {
            q = new float[nq];
        }
        int nd = (cols / 32) * batch;
        if (d.length < nd) {
            d = new float[nd];
        }
        if (bsum32.length < nd) {
            bsum32 = new int[nd];
        }
        int ns = Math.max(cols / 16, cols / 32) * batch;
        if (s.length < ns) {
            s = new float[ns];
        }
    }

    /**
     * Q8_0 ({@code sums == null}) or Q8_1: d = amax/127 (stored fp16), codes roundf(x/d); Q8_1
     * also s = fp16(sum(codes) * d) with the unrounded d.
     */
    static void quantizeQ8(float[] x, int xo, int n, float[] q, int qo, float[] d, int dOff,
                           float[] sums, int sOff) {
        int nb = n / 32;
        for (int i = 0; i < nb; i++, xo += 32, qo += 32) {
            float amax = 0f;
            for (int j = 0; j < 32; j++) {
                float a = Math.abs(x[xo + j]);
                amax = amax > a ? amax : a;
            }
            float dd = amax / 127;
            float id = dd != 0f ? 1.0f / dd : 0.0f;
            d[dOff + i] = Float.float16ToFloat(QuantCodecs.floatToHalf(dd));
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                int v = roundHalfAway(x[xo + j] * id);
                q[qo + j] = v;
                sum += v;
            }
            if (sums != null) {
                sums[sOff + i] = Float.float16ToFloat(QuantCodecs.floatToHalf(sum * dd));
            }
        }
    }

    /**
     * Q8_K: iscale = -127/signed_max, codes min(127, nearest_int(iscale*x)) (half to even),
     * d = 1/iscale (float32, negative when the extreme is positive), bsums per 16.
     */
    static void quantizeQ8K(float[] x, int xo, int n, float[] q, int qo, float[] d, int dOff,
                            float[] bsums, int sOff) {
        int nb = n / 256;
        for (int i = 0; i < nb; i++, xo += 256, qo += 256) {
            float max = 0;
            float amax = 0;
            for (int j = 0; j < 256; ++j) {
                float ax = Math.abs(x[xo + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[xo + j];
                }
            }
            if (amax == 0f) {
                java.util.Arrays.fill(q, qo, qo + 256, 0f);
                java.util.Arrays.fill(bsums, sOff + 16 * i, sOff + 16 * i + 16, 0f);
                d[dOff + i] = 0f;
                continue;
            }
            float iscale = -127.f / max;
            for (int g = 0; g < 16; ++g) {
                int sum = 0;
                for (int k = 0; k < 16; ++k) {
                    int j = 16 * g + k;
                    int v = Math.min(127, (int) Math.rint(iscale * x[xo + j]));
                    q[qo + j] = v;
                    sum += v;
                }
                bsums[sOff + 16 * i + g] = sum;
            }
            d[dOff + i] = 1 / iscale;
        }
    }

    /** C's roundf: ties away from zero. */
    static int roundHalfAway(float v) {
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (int) Math.copySign(r, v);
    }
}
