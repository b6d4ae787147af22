package jllm.kernels;

import java.util.Objects;

/**
 * Element-wise and reduction kernels on float arrays, with llama.cpp's CPU numerics where it
 * matters (sums of squares in double, scale applied before the weight). Vector API inside when
 * available ({@link Simd}), scalar tails and a scalar fallback. None of them allocates.
 */
public final class Ops {
    private Ops() {}

    private static void check(float[] a, int off, int n) {
        Objects.checkFromIndexSize(off, n, a.length);
    }

    /** Floats of scratch that {@link #dot(float[], int, float[], int, int, float[])} needs. */
    public static final int DOT_SCRATCH = 32;
    private static final ThreadLocal<float[]> DOT_SCRATCH_OF_THREAD = ThreadLocal.withInitial(() -> new float[DOT_SCRATCH]);

    /** {@code sum a[aOff+i] * b[bOff+i]} for i in [0, n), float accumulation. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return dot(a, aOff, b, bOff, n, DOT_SCRATCH_OF_THREAD.get());
    }

    /**
     * {@link #dot(float[], int, float[], int, int)} with the caller's scratch (at least
     * {@link #DOT_SCRATCH} floats, used by one thread at a time), for callers that take many short
     * dot products (attention scores) and would rather not look up a per-thread one each time.
     */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n, float[] scratch) {
        check(a, aOff, n);
        check(b, bOff, n);
        Objects.checkFromIndexSize(0, DOT_SCRATCH, scratch.length);
        if (Simd.ENABLED) {
            return VecOps.dot(a, aOff, b, bOff, n, scratch);
        }
        float s = 0;
        for (int i = 0; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** {@code y[yOff+i] += alpha * x[xOff+i]}. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        check(x, xOff, n);
        check(y, yOff, n);
        if (Simd.ENABLED) {
            VecOps.axpy(alpha, x, xOff, y, yOff, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    /** {@code y[yOff+i] += x[xOff+i]}. */
    public static void add(float[] y, int yOff, float[] x, int xOff, int n) {
        check(x, xOff, n);
        check(y, yOff, n);
        if (Simd.ENABLED) {
            VecOps.add(y, yOff, x, xOff, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            y[yOff + i] += x[xOff + i];
        }
    }

    /** {@code x[off+i] *= s}. */
    public static void scale(float[] x, int off, int n, float s) {
        check(x, off, n);
        if (Simd.ENABLED) {
            VecOps.scale(x, off, n, s);
            return;
        }
        for (int i = 0; i < n; i++) {
            x[off + i] *= s;
        }
    }

    /**
     * RMSNorm as ggml: {@code scale = 1/sqrt(sum(x^2)/n + eps)} (squares in float, summed in
     * double), {@code out[i] = (x[i] * scale) * weight[i]}; {@code weight} may be null (no
     * weight). {@code out} may be {@code x} (same offset).
     */
    public static void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        check(out, outOff, n);
        check(x, xOff, n);
        if (weight != null) {
            check(weight, 0, n);
        }
        double sum = Simd.ENABLED ? VecOps.sumSquares(x, xOff, n) : 0;
        if (!Simd.ENABLED) {
            for (int i = 0; i < n; i++) {
                float v = x[xOff + i];
                sum += v * v;
            }
        }
        float mean = (float) (sum / n);
        float scale = 1.0f / (float) Math.sqrt(mean + eps);
        scaleMul(out, outOff, x, xOff, scale, weight, null, n);
    }

    /**
     * LayerNorm as ggml's norm followed by mul and add: mean and variance summed in double,
     * {@code out[i] = ((x[i]-mean) * scale) * weight[i] + bias[i]} with
     * {@code scale = 1/sqrt(var + eps)}; weight and bias may be null.
     */
    public static void layerNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, float[] bias,
                                 int n, float eps) {
        check(out, outOff, n);
        check(x, xOff, n);
        if (weight != null) {
            check(weight, 0, n);
        }
        if (bias != null) {
            check(bias, 0, n);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[xOff + i];
        }
        float mean = (float) (sum / n);
        double sum2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i] - mean;
            out[outOff + i] = v;
            sum2 += v * v;
        }
        float variance = (float) (sum2 / n);
        float scale = 1.0f / (float) Math.sqrt(variance + eps);
        scaleMul(out, outOff, out, outOff, scale, weight, bias, n);
    }

    /** out = (x * scale) [* weight] [+ bias]. */
    private static void scaleMul(float[] out, int outOff, float[] x, int xOff, float scale,
                                 float[] weight, float[] bias, int n) {
        if (Simd.ENABLED) {
            VecOps.scaleMul(out, outOff, x, xOff, scale, weight, bias, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i] * scale;
            if (weight != null) {
                v *= weight[i];
            }
            if (bias != null) {
                v += bias[i];
            }
            out[outOff + i] = v;
        }
    }

    /**
     * RoPE with adjacent pairs (llama.cpp {@code LLAMA_ROPE_TYPE_NORM}): for i in
     * [0, ropeDims/2) rotates {@code (v[off+2i], v[off+2i+1])} by {@code theta = pos * invFreq[i]}
     * (float). Elements from {@code off+ropeDims} on are left alone (partial rotary).
     */
    public static void ropeAdjacent(float[] v, int off, int ropeDims, int pos, float[] invFreq) {
        check(v, off, ropeDims);
        for (int i = 0; i < ropeDims / 2; i++) {
            float theta = pos * invFreq[i];
            float c = (float) Math.cos(theta);
            float s = (float) Math.sin(theta);
            float x0 = v[off + 2 * i];
            float x1 = v[off + 2 * i + 1];
            v[off + 2 * i] = x0 * c - x1 * s;
            v[off + 2 * i + 1] = x0 * s + x1 * c;
        }
    }

    /**
     * RoPE NeoX style (rotate-half, llama.cpp {@code LLAMA_ROPE_TYPE_NEOX}): pairs
     * {@code (v[off+i], v[off+i+ropeDims/2])}, theta as in {@link #ropeAdjacent}.
     */
    public static void ropeNeox(float[] v, int off, int ropeDims, int pos, float[] invFreq) {
        check(v, off, ropeDims);
        int half = ropeDims / 2;
        for (int i = 0; i < half; i++) {
            float theta = pos * invFreq[i];
            float c = (float) Math.cos(theta);
            float s = (float) Math.sin(theta);
            float x0 = v[off + i];
            float x1 = v[off + i + half];
            v[off + i] = x0 * c - x1 * s;
            v[off + i + half] = x0 * s + x1 * c;
        }
    }

    /**
     * Fills {@code cos[i], sin[i]} (i in [0, ropeDims/2)) for position {@code pos}, so that many
     * heads can be rotated with {@link #ropeAdjacent(float[], int, int, float[], float[])} /
     * {@link #ropeNeox(float[], int, int, float[], float[])} without recomputing them.
     */
    public static void ropeTable(int ropeDims, int pos, float[] invFreq, float[] cos, float[] sin) {
        for (int i = 0; i < ropeDims / 2; i++) {
            float theta = pos * invFreq[i];
            cos[i] = (float) Math.cos(theta);
            sin[i] = (float) Math.sin(theta);
        }
    }

    /** {@link #ropeAdjacent(float[], int, int, int, float[])} with a precomputed {@link #ropeTable}. */
    public static void ropeAdjacent(float[] v, int off, int ropeDims, float[] cos, float[] sin) {
        check(v, off, ropeDims);
        for (int i = 0; i < ropeDims / 2; i++) {
            float x0 = v[off + 2 * i];
            float x1 = v[off + 2 * i + 1];
            v[off + 2 * i] = x0 * cos[i] - x1 * sin[i];
            v[off + 2 * i + 1] = x0 * sin[i] + x1 * cos[i];
        }
    }

    /** {@link #ropeNeox(float[], int, int, int, float[])} with a precomputed {@link #ropeTable}. */
    public static void ropeNeox(float[] v, int off, int ropeDims, float[] cos, float[] sin) {
        check(v, off, ropeDims);
        int half = ropeDims / 2;
        for (int i = 0; i < half; i++) {
            float x0 = v[off + i];
            float x1 = v[off + i + half];
            v[off + i] = x0 * cos[i] - x1 * sin[i];
            v[off + i + half] = x0 * sin[i] + x1 * cos[i];
        }
    }

    /**
     * In-place softmax of {@code x[off .. off+n)}: {@code exp(x - max)} in float, summed in double,
     * then multiplied by {@code (float)(1/sum)} as ggml does.
     */
    public static void softmax(float[] x, int off, int n) {
        check(x, off, n);
        if (n == 0) {
            return;
        }
        if (Simd.ENABLED) {
            VecOps.softmax(x, off, n);
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    /** SwiGLU: {@code gate[i] = silu(gate[i]) * up[i]}, silu(x) = x / (1 + exp(-x)), for i in [0, n). */
    public static void siluMul(float[] gate, float[] up, int n) {
        check(gate, 0, n);
        check(up, 0, n);
        if (Simd.ENABLED) {
            VecOps.siluMul(gate, up, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1.0f + (float) Math.exp(-g)) * up[i];
        }
    }

    /** {@code x[i] = silu(x[i])} for i in [off, off+n). */
    public static void silu(float[] x, int off, int n) {
        check(x, off, n);
        for (int i = 0; i < n; i++) {
            float g = x[off + i];
            x[off + i] = g / (1.0f + (float) Math.exp(-g));
        }
    }

    static final float GELU_COEF_A = 0.044715f;
    static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;

    /**
     * GELU, tanh approximation (GPT-2 {@code gelu_new}), in place:
     * {@code 0.5*x*(1 + tanh(sqrt(2/pi)*x*(1 + 0.044715*x*x)))} in float.
     */
    public static void gelu(float[] x, int off, int n) {
        check(x, off, n);
        if (Simd.ENABLED) {
            VecOps.gelu(x, off, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            x[off + i] = geluScalar(x[off + i]);
        }
    }

    static float geluScalar(float v) {
        return 0.5f * v * (1.0f + (float) Math.tanh(SQRT_2_OVER_PI * v * (1.0f + GELU_COEF_A * v * v)));
    }

    /**
     * GELU exactly as llama.cpp's CPU backend computes it (it defines {@code GGML_GELU_FP16}): 0 for
     * x &lt;= -10, x for x &gt;= 10, else the tanh formula evaluated at x rounded to F16, with the
     * result rounded to F16 (ggml looks it up in a 2^16-entry F16 table).
     */
    public static void geluGgml(float[] x, int off, int n) {
        check(x, off, n);
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            if (v <= -10.0f) {
                x[off + i] = 0.0f;
            } else if (v < 10.0f) {
                float h = Float.float16ToFloat(Float.floatToFloat16(v));
                x[off + i] = Float.float16ToFloat(Float.floatToFloat16(geluScalar(h)));
            }
        }
    }
}
