package jllm.engine.train;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import jllm.kernels.Parallel;
import jllm.kernels.VectorMath;

/**
 * The feed-forward non-linearities, forward and backward: GELU (tanh approximation, GPT-2's
 * {@code gelu_new}) and SwiGLU ({@code h = silu(gate) * up}). Vector API, split across the pool.
 */
final class Activation {
    private static final VectorSpecies<Float> S = VectorMath.floatSpecies();
    private static final float A = 0.044715f;
    private static final float K = 0.79788456080286535587989211986876f; // sqrt(2/pi)
    private static final int GRAIN = 4096;

    private final Parallel pool;
    private final Parallel.RangeTask task = this::chunks;
    private int op, n;
    private float[] x, y, dx, dy, g, u, dg, du;

    Activation(Parallel pool) {
        this.pool = pool;
    }

    /** {@code y = gelu(x)}. */
    void gelu(float[] y, float[] x, int n) {
        this.y = y;
        this.x = x;
        run(0, n);
    }

    /** {@code dx += gelu'(x) * dy}. */
    void geluBackward(float[] dx, float[] dy, float[] x, int n) {
        this.dx = dx;
        this.dy = dy;
        this.x = x;
        run(1, n);
    }

    /** {@code y = silu(g) * u}. */
    void swiglu(float[] y, float[] g, float[] u, int n) {
        this.y = y;
        this.g = g;
        this.u = u;
        run(2, n);
    }

    /** {@code dg += dy * u * silu'(g)}, {@code du += dy * silu(g)}. */
    void swigluBackward(float[] dg, float[] du, float[] dy, float[] g, float[] u, int n) {
        this.dg = dg;
        this.du = du;
        this.dy = dy;
        this.g = g;
        this.u = u;
        run(3, n);
    }

    private void run(int op, int n) {
        this.op = op;
        this.n = n;
        pool.forRange((n + GRAIN - 1) / GRAIN, task);
        x = y = dx = dy = g = u = dg = du = null;
    }

    private void chunks(int from, int to) {
        int lo = from * GRAIN, hi = Math.min(n, to * GRAIN);
        switch (op) {
            case 0 -> geluRange(lo, hi);
            case 1 -> geluBackRange(lo, hi);
            case 2 -> swigluRange(lo, hi);
            default -> swigluBackRange(lo, hi);
        }
    }

    private void geluRange(int lo, int hi) {
        int i = lo;
        for (; i + S.length() <= hi; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector inner = v.mul(K).mul(v.mul(v).mul(A).add(1f));
            v.mul(0.5f).mul(VectorMath.tanh(inner).add(1f)).intoArray(y, i);
        }
        for (; i < hi; i++) {
            float v = x[i];
            y[i] = 0.5f * v * (1f + (float) Math.tanh(K * v * (1f + A * v * v)));
        }
    }

    private void geluBackRange(int lo, int hi) {
        int i = lo;
        for (; i + S.length() <= hi; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector v2 = v.mul(v);
            FloatVector th = VectorMath.tanh(v.mul(K).mul(v2.mul(A).add(1f)));
            FloatVector sech2 = th.mul(th).neg().add(1f);
            FloatVector grad = th.add(1f).mul(0.5f)
                    .add(v.mul(0.5f).mul(sech2).mul(v2.mul(3f * A).add(1f).mul(K)));
            FloatVector.fromArray(S, dy, i).fma(grad, FloatVector.fromArray(S, dx, i)).intoArray(dx, i);
        }
        for (; i < hi; i++) {
            float v = x[i];
            float th = (float) Math.tanh(K * v * (1f + A * v * v));
            float grad = 0.5f * (1f + th) + 0.5f * v * (1f - th * th) * K * (1f + 3f * A * v * v);
            dx[i] = Math.fma(dy[i], grad, dx[i]);
        }
    }

    private void swigluRange(int lo, int hi) {
        int i = lo;
        for (; i + S.length() <= hi; i += S.length()) {
            FloatVector a = FloatVector.fromArray(S, g, i);
            FloatVector silu = a.div(VectorMath.exp(a.neg()).add(1f));
            silu.mul(FloatVector.fromArray(S, u, i)).intoArray(y, i);
        }
        for (; i < hi; i++) {
            float a = g[i];
            y[i] = a / (1f + (float) Math.exp(-a)) * u[i];
        }
    }

    private void swigluBackRange(int lo, int hi) {
        int i = lo;
        for (; i + S.length() <= hi; i += S.length()) {
            FloatVector a = FloatVector.fromArray(S, g, i);
            FloatVector sig = FloatVector.broadcast(S, 1f).div(VectorMath.exp(a.neg()).add(1f));
            FloatVector silu = a.mul(sig);
            FloatVector d = FloatVector.fromArray(S, dy, i);
            FloatVector dsilu = sig.mul(a.mul(sig.neg().add(1f)).add(1f));
            d.mul(FloatVector.fromArray(S, u, i)).fma(dsilu, FloatVector.fromArray(S, dg, i)).intoArray(dg, i);
            d.fma(silu, FloatVector.fromArray(S, du, i)).intoArray(du, i);
        }
        for (; i < hi; i++) {
            float a = g[i];
            float sig = 1f / (1f + (float) Math.exp(-a));
            dg[i] += dy[i] * u[i] * sig * (1f + a * (1f - sig));
            du[i] += dy[i] * a * sig;
        }
    }
}
