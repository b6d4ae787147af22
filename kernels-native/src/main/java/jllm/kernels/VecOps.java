package jllm.kernels;

import static jllm.kernels.VecKernels.F;
import static jllm.kernels.VecKernels.FL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Vector API bodies of {@link Ops}; only loaded when {@link Simd#ENABLED}. Ranges are checked by Ops. */
final class VecOps {
    private VecOps() {}

    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        float s;
        if (FL == 8) {   // the 16-lane order (FixedMath.R) in halves
            FloatVector a0 = FloatVector.zero(F), a0h = a0, a1 = a0, a1h = a0;
            for (; i <= n - 32; i += 32) {
                a0 = fa(a, aOff + i).fma(fa(b, bOff + i), a0);
                a0h = fa(a, aOff + i + 8).fma(fa(b, bOff + i + 8), a0h);
                a1 = fa(a, aOff + i + 16).fma(fa(b, bOff + i + 16), a1);
                a1h = fa(a, aOff + i + 24).fma(fa(b, bOff + i + 24), a1h);
            }
            for (; i <= n - 16; i += 16) {
                a0 = fa(a, aOff + i).fma(fa(b, bOff + i), a0);
                a0h = fa(a, aOff + i + 8).fma(fa(b, bOff + i + 8), a0h);
            }
            s = FixedMath.sum16(a0.add(a1), a0h.add(a1h));
        } else if (FL == 4) {   // ... in quarters
            FloatVector a0 = FloatVector.zero(F), a0b = a0, a0c = a0, a0d = a0, a1 = a0, a1b = a0, a1c = a0, a1d = a0;
            for (; i <= n - 32; i += 32) {
                a0 = fa(a, aOff + i).fma(fa(b, bOff + i), a0);
                a0b = fa(a, aOff + i + 4).fma(fa(b, bOff + i + 4), a0b);
                a0c = fa(a, aOff + i + 8).fma(fa(b, bOff + i + 8), a0c);
                a0d = fa(a, aOff + i + 12).fma(fa(b, bOff + i + 12), a0d);
                a1 = fa(a, aOff + i + 16).fma(fa(b, bOff + i + 16), a1);
                a1b = fa(a, aOff + i + 20).fma(fa(b, bOff + i + 20), a1b);
                a1c = fa(a, aOff + i + 24).fma(fa(b, bOff + i + 24), a1c);
                a1d = fa(a, aOff + i + 28).fma(fa(b, bOff + i + 28), a1d);
            }
            for (; i <= n - 16; i += 16) {
                a0 = fa(a, aOff + i).fma(fa(b, bOff + i), a0);
                a0b = fa(a, aOff + i + 4).fma(fa(b, bOff + i + 4), a0b);
                a0c = fa(a, aOff + i + 8).fma(fa(b, bOff + i + 8), a0c);
                a0d = fa(a, aOff + i + 12).fma(fa(b, bOff + i + 12), a0d);
            }
            s = FixedMath.sum16(a0.add(a1), a0b.add(a1b), a0c.add(a1c), a0d.add(a1d));
        } else {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            for (; i <= n - 2 * FL; i += 2 * FL) {
                a0 = fa(a, aOff + i).fma(fa(b, bOff + i), a0);
                a1 = fa(a, aOff + i + FL).fma(fa(b, bOff + i + FL), a1);
            }
            for (; i <= n - FL; i += FL) {
                a0 = fa(a, aOff + i).fma(fa(b, bOff + i), a0);
            }
            s = FixedMath.sum(a0.add(a1));
        }
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    private static FloatVector fa(float[] a, int i) {
        return FloatVector.fromArray(F, a, i);
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
                FloatVector v = fa(x, off + i), h = fa(x, off + i + 8);
                sum += FixedMath.sum16(v.mul(v), h.mul(h));
            }
        } else if (FL == 4) {
            for (; i <= n - 16; i += 16) {
                FloatVector v = fa(x, off + i), u = fa(x, off + i + 4), w = fa(x, off + i + 8), z = fa(x, off + i + 12);
                sum += FixedMath.sum16(v.mul(v), u.mul(u), w.mul(w), z.mul(z));
            }
        } else {
            for (; i <= n - FL; i += FL) {
                FloatVector v = fa(x, off + i);
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
    private static FloatVector expInto(float[] x, int i, float max) {
        FloatVector e = FixedMath.exp(fa(x, i).sub(max));
        e.intoArray(x, i);
        return e;
    }

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
