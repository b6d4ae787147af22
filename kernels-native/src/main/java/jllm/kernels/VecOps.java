package jllm.kernels;

import static jllm.kernels.FixedMath.expInto;
import static jllm.kernels.FixedMath.floats;
import static jllm.kernels.VecKernels.F;
import static jllm.kernels.VecKernels.FL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Vector API bodies of {@link Ops}; only loaded when {@link Simd#ENABLED}. Ranges are checked by Ops. */
final class VecOps {
    private VecOps() {}

    /**
     * The 16-lane order's two 16-float accumulators (products of elements i with i mod 32 in
     * [0, 16) and in [16, 32)) live in {@code t[0..32)}, not in vectors carried around the loop:
     * C2 types such a vector by its declared class, and in about half of the cold 1B runs its
     * FMA intrinsic then failed ({@code -XX:+PrintInlining}: {@code VectorSupport::ternaryOp
     * failed to inline (intrinsic)}), and every attention score allocated its vectors (~25 MB
     * per generated token). The stores and reloads keep every lane's FMA chain as it was: the
     * same bits.
     */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n, float[] t) {
        FloatVector z = FloatVector.zero(F);
        for (int j = 0; j < 32; j += FL) {
            z.intoArray(t, j);
        }
        int i = 0;
        for (; i <= n - 32; i += 32) {
            for (int j = 0; j < 32; j += FL) {
                fmaInto(a, aOff + i + j, b, bOff + i + j, t, j);
            }
        }
        for (; i <= n - 16; i += 16) {
            for (int j = 0; j < 16; j += FL) {
                fmaInto(a, aOff + i + j, b, bOff + i + j, t, j);
            }
        }
        float s;
        if (FL == 8) {   // the 16-lane order (FixedMath.R) in halves
            s = FixedMath.sum16(floats(t, 0).add(floats(t, 16)), floats(t, 8).add(floats(t, 24)));
        } else if (FL == 4) {   // ... in quarters
            s = FixedMath.sum16(floats(t, 0).add(floats(t, 16)), floats(t, 4).add(floats(t, 20)),
                    floats(t, 8).add(floats(t, 24)), floats(t, 12).add(floats(t, 28)));
        } else {   // 16 lanes (Simd caps the width at 512 bits)
            s = FixedMath.sum(floats(t, 0).add(floats(t, 16)));
        }
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** {@code t[j..j+FL) += a[ai..] * b[bi..]} (one FMA; arrays in, nothing out: no vector crosses a call). */
    private static void fmaInto(float[] a, int ai, float[] b, int bi, float[] t, int j) {
        floats(a, ai).fma(floats(b, bi), floats(t, j)).intoArray(t, j);
    }

    static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector va = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (; i <= n - FL; i += FL) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        }
    }

    static void add(float[] y, int yOff, float[] x, int xOff, int n) {
        int i = 0;
        for (; i <= n - FL; i += FL) {
            FloatVector.fromArray(F, y, yOff + i).add(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += x[xOff + i];
        }
    }

    static void scale(float[] x, int off, int n, float s) {
        int i = 0;
        for (; i <= n - FL; i += FL) {
            FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= s;
        }
    }

    /** Sum of float squares, accumulated in double per 16 floats (FixedMath.R). */
    static double sumSquares(float[] x, int off, int n) {
        double sum = 0;
        int i = 0;
        if (FL == 8) {
            for (; i <= n - 16; i += 16) {
                FloatVector v = floats(x, off + i), h = floats(x, off + i + 8);
                sum += FixedMath.sum16(v.mul(v), h.mul(h));
            }
        } else if (FL == 4) {
            for (; i <= n - 16; i += 16) {
                FloatVector v = floats(x, off + i), u = floats(x, off + i + 4), w = floats(x, off + i + 8), z = floats(x, off + i + 12);
                sum += FixedMath.sum16(v.mul(v), u.mul(u), w.mul(w), z.mul(z));
            }
        } else {
            for (; i <= n - FL; i += FL) {
                FloatVector v = floats(x, off + i);
                sum += FixedMath.sum(v.mul(v));
            }
        }
        for (; i < n; i++) {
            float v = x[off + i];
            sum += v * v;
        }
        return sum;
    }

    static void scaleMul(float[] out, int outOff, float[] x, int xOff, float scale, float[] weight, float[] bias, int n) {
        int i = 0;
        for (; i <= n - FL; i += FL) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i).mul(scale);
            if (weight != null) {
                v = v.mul(FloatVector.fromArray(F, weight, i));
            }
            if (bias != null) {
                v = v.add(FloatVector.fromArray(F, bias, i));
            }
            v.intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
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

    static void softmax(float[] x, int off, int n) {
        int i = 0;
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (; i <= n - FL; i += FL) {
            vmax = vmax.max(FloatVector.fromArray(F, x, off + i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        i = 0;
        if (FL == 8) {   // sums per 16 floats (FixedMath.R)
            for (; i <= n - 16; i += 16) {
                FloatVector e = expInto(x, off + i, max), h = expInto(x, off + i + 8, max);
                sum += FixedMath.sum16(e, h);
            }
        } else if (FL == 4) {
            for (; i <= n - 16; i += 16) {
                sum += FixedMath.sum16(expInto(x, off + i, max), expInto(x, off + i + 4, max),
                        expInto(x, off + i + 8, max), expInto(x, off + i + 12, max));
            }
        } else {
            for (; i <= n - FL; i += FL) {
                sum += FixedMath.sum(expInto(x, off + i, max));
            }
        }
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        scale(x, off, n, (float) (1.0 / sum));
    }

    /** x[i .. i+FL) = e^(x - max), returned. */

    /** The vector loops' end for lane-wise work with a scalar tail: the tail is the same elements at every width. */
    private static int vectorEnd(int n) {
        return FL <= FixedMath.R ? n - n % FixedMath.R : n - n % FL;
    }

    static void siluMul(float[] gate, float[] up, int n) {
        int i = 0;
        for (int end = vectorEnd(n); i < end; i += FL) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector s = g.div(FixedMath.exp(g.neg()).add(1.0f));
            s.mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1.0f + (float) Math.exp(-g)) * up[i];
        }
    }

    static void gelu(float[] x, int off, int n) {
        int i = 0;
        for (int end = vectorEnd(n); i < end; i += FL) {
            FloatVector v = FloatVector.fromArray(F, x, off + i);
            FloatVector inner = v.mul(Ops.SQRT_2_OVER_PI).mul(v.mul(Ops.GELU_COEF_A).mul(v).add(1.0f));
            v.mul(0.5f).mul(FixedMath.tanh(inner).add(1.0f)).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = Ops.geluScalar(x[off + i]);
        }
    }
}
