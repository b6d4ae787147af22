package jllm.formats.quant;

/**
 * The scale searches behind ggml's K-quant reference encoders ({@code nearest_int},
 * {@code make_qx_quants}, {@code make_qkx2_quants} in ggml-quants.c).
 *
 * <p>Byte-equality with ggml depends on doing every float32 operation in the same order as the C
 * code, so the expressions below keep C's association ({@code w*x*l} is {@code (w*x)*l}) and its
 * int-to-float promotions. They are heuristics: changing any of it changes the chosen scales.
 */
final class ScaleSearch {
    /** ggml's GROUP_MAX_EPS: a group whose largest magnitude is below this is treated as all zero. */
    static final float GROUP_MAX_EPS = 1e-15f;

    private ScaleSearch() {}

    /**
     * ggml's {@code nearest_int}: round to nearest, ties to even, for |v| ≤ 4194303. Adding
     * 1.5·2^23 puts the integer part in the low mantissa bits, the FPU rounding it on the way.
     */
    static int nearestInt(float v) {
        float shifted = v + 12582912.f;
        int bits = Float.floatToRawIntBits(shifted);
        return (bits & 0x007FFFFF) - 0x00400000;
    }

    /**
     * {@code make_qx_quants} for a symmetric code in {@code [-nmax, nmax)} with weights
     * {@code x*x} ({@code rmse_type} 1, no importance weights): start with the scale that maps the
     * signed extreme to {@code -nmax}, then try 18 nearby scales and keep the one that maximises
     * the weighted fit (sumlx²/suml2). Writes the codes plus {@code nmax} to {@code L[lo..lo+n)}
     * and returns the scale (negative when the extreme is positive).
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; ++i) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; ++i) {
                L[lo + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; ++i) {
            float xi = x[xo + i];
            int l = clamp(nearestInt(iscale * xi), -nmax, nmax - 1);
            L[lo + i] = l + nmax;
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0f ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; ++is) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; ++i) {
                float xi = x[xo + i];
                int l = clamp(nearestInt(iscale * xi), -nmax, nmax - 1);
                float w = xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; ++i) {
                    int l = nearestInt(iscale * x[xo + i]);
                    L[lo + i] = nmax + clamp(l, -nmax, nmax - 1);
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * {@code make_qkx2_quants} (squared error, {@code use_mad} false): an asymmetric code in
     * {@code [0, nmax]} with {@code x ≈ scale*L - theMin}. The offset is the group minimum clamped
     * to ≤ 0; then {@code nstep+1} scales {@code (rmin + rdelta*is + nmax)/(max-min)} are tried,
     * each followed by a weighted least-squares fit of scale and min, keeping the lowest weighted
     * error. Writes codes to {@code L[lo..lo+n)}, the (non-negative) min to {@code mins[mi]}, and
     * returns the scale. {@code laux} is scratch of at least {@code n}.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights,
                                int[] L, int lo, float[] mins, int mi, int[] laux,
                                float rmin, float rdelta, int nstep) {
        float min = x[xo];
        float max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; ++i) {
            float xi = x[xo + i];
            if (xi < min) min = xi;
            if (xi > max) max = xi;
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; ++i) {
                L[lo + i] = 0;
            }
            mins[mi] = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; ++i) {
            float xi = x[xo + i];
            int l = clamp(nearestInt(iscale * (xi - min)), 0, nmax);
            L[lo + i] = l;
            float diff = scale * l + min - xi;
            bestError += weights[i] * (diff * diff);
        }
        if (nstep < 1) {
            mins[mi] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; ++is) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; ++i) {
                float xi = x[xo + i];
                int l = clamp(nearestInt(iscale * (xi - min)), 0, nmax);
                laux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * xi;
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; ++i) {
                    float diff = thisScale * laux[i] + thisMin - x[xo + i];
                    curError += weights[i] * (diff * diff);
                }
                if (curError < bestError) {
                    System.arraycopy(laux, 0, L, lo, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[mi] = -min;
        return scale;
    }

    static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
