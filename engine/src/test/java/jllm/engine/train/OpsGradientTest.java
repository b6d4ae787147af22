package jllm.engine.train;

import static jllm.engine.train.GradCheck.check;
import static jllm.engine.train.GradCheck.dot;
import static jllm.engine.train.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import jllm.engine.model.ModelConfig;
import jllm.kernels.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Every layer's backward against central finite differences of its forward. */
class OpsGradientTest {
    static final Parallel POOL = new Parallel(2);
    final SplittableRandom rng = new SplittableRandom(7);

    @AfterAll
    static void close() {
        POOL.close();
    }

    @Test
    void linearWithBias() {
        int rows = 5, in = 19, out = 21;
        float[] x = random(rng, rows * in, 1), w = random(rng, out * in, 0.5), b = random(rng, out, 0.5);
        float[] wy = random(rng, rows * out, 1), y = new float[rows * out], wt = new float[in * out];
        Linear lin = new Linear(POOL);
        float[] dx = new float[x.length], dw = new float[w.length], db = new float[b.length];
        lin.backward(dx, dw, db, wy, x, w, rows, in, out);
        java.util.function.DoubleSupplier loss = () -> {
            lin.forward(y, x, w, wt, b, rows, in, out);
            return dot(y, wy, y.length);
        };
        check("dx", x, dx, loss, 40, 1);
        check("dW", w, dw, loss, 40, 2);
        check("db", b, db, loss, 40, 3);
    }

    @Test
    void linearWithoutBiasAccumulates() {
        int rows = 3, in = 8, out = 16;
        float[] x = random(rng, rows * in, 1), w = random(rng, out * in, 0.5), wy = random(rng, rows * out, 1);
        float[] dx = new float[x.length], dw = new float[w.length];
        Linear lin = new Linear(POOL);
        lin.backward(dx, dw, null, wy, x, w, rows, in, out);
        float[] dx2 = dx.clone(), dw2 = dw.clone();
        lin.backward(dx2, dw2, null, wy, x, w, rows, in, out);
        for (int i = 0; i < dx.length; i++) {
            assertThat(dx2[i]).isCloseTo(2 * dx[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
        float[] y = new float[rows * out], wt = new float[in * out];
        check("dx", x, dx, () -> { lin.forward(y, x, w, wt, null, rows, in, out); return dot(y, wy, y.length); }, 30, 4);
        check("dW", w, dw, () -> { lin.forward(y, x, w, wt, null, rows, in, out); return dot(y, wy, y.length); }, 30, 5);
    }

    @Test
    void embeddingWithPositions() {
        int batch = 2, t = 3, c = 5, vocab = 7;
        int[] tokens = {1, 4, 1, 6, 0, 1};
        float[] wte = random(rng, vocab * c, 1), wpe = random(rng, t * c, 1), wy = random(rng, batch * t * c, 1);
        float[] out = new float[batch * t * c], dWte = new float[wte.length], dWpe = new float[wpe.length];
        Embedding.backward(dWte, dWpe, wy, tokens, batch, t, c);
        java.util.function.DoubleSupplier loss = () -> {
            Embedding.forward(out, tokens, wte, wpe, batch, t, c);
            return dot(out, wy, out.length);
        };
        check("dWte", wte, dWte, loss, 100, 1);
        check("dWpe", wpe, dWpe, loss, 100, 2);
    }

    @Test
    void rmsNorm() {
        norm(true);
    }

    @Test
    void layerNorm() {
        norm(false);
    }

    private void norm(boolean rms) {
        int rows = 6, c = 11;
        float[] x = random(rng, rows * c, 2), w = random(rng, c, 1), b = rms ? null : random(rng, c, 1);
        float[] wy = random(rng, rows * c, 1), y = new float[rows * c], mean = new float[rows], rstd = new float[rows];
        Norm norm = new Norm(POOL, rms, c, 1e-5f);
        norm.forward(y, mean, rstd, x, w, b, rows);
        float[] dx = new float[x.length], dw = new float[c], db = rms ? null : new float[c];
        norm.backward(dx, dw, db, wy, x, w, mean, rstd, rows);
        java.util.function.DoubleSupplier loss = () -> {
            norm.forward(y, mean, rstd, x, w, b, rows);
            return dot(y, wy, y.length);
        };
        check("dx", x, dx, loss, 66, 1, 1e-2f, 2e-2, 2e-3);
        check("dw", w, dw, loss, 11, 2);
        if (!rms) {
            check("db", b, db, loss, 11, 3);
        }
    }

    @Test
    void ropeAdjacentAndNeox() {
        for (ModelConfig.Rope kind : new ModelConfig.Rope[] {ModelConfig.Rope.ADJACENT, ModelConfig.Rope.NEOX}) {
            int batch = 2, t = 5, heads = 3, hd = 8, ropeDims = 6;
            float[] inv = new float[ropeDims / 2];
            for (int i = 0; i < inv.length; i++) {
                inv[i] = (float) Math.pow(10000, -2.0 * i / ropeDims);
            }
            Rope rope = new Rope(kind, ropeDims, hd, inv, t);
            float[] x = random(rng, batch * t * heads * hd, 1), wy = random(rng, x.length, 1);
            float[] dx = wy.clone();
            rope.backward(dx, batch, t, heads);
            float[] y = new float[x.length];
            check("rope " + kind, x, dx, () -> {
                System.arraycopy(x, 0, y, 0, x.length);
                rope.forward(y, batch, t, heads);
                return dot(y, wy, y.length);
            }, 100, 1);
            // Dimensions past ropeDims pass through; position 0 is the identity.
            System.arraycopy(x, 0, y, 0, x.length);
            rope.forward(y, batch, t, heads);
            assertThat(y[7]).isEqualTo(x[7]);
            assertThat(Arrays.copyOf(y, hd)).containsExactly(Arrays.copyOf(x, hd));
        }
    }

    @Test
    void causalAttentionWithGqa() {
        attention(0f);
    }

    @Test
    void causalAttentionWithDropout() {
        attention(0.3f);
    }

    private void attention(float p) {
        int batch = 2, t = 5, heads = 4, kvHeads = 2, hd = 8;
        int n = batch * t;
        float[] q = random(rng, n * heads * hd, 1), k = random(rng, n * kvHeads * hd, 1), v = random(rng, k.length, 1);
        float[] out = new float[q.length], probs = new float[batch * heads * t * t], wy = random(rng, q.length, 1);
        Attention att = new Attention(POOL, heads, kvHeads, hd, t);
        long key = Dropout.key(3, 9, 1);
        att.forward(out, probs, q, k, v, batch, t, p, key);
        float[] dq = new float[q.length], dk = new float[k.length], dv = new float[v.length];
        att.backward(dq, dk, dv, wy, probs, q, k, v, batch, t, p, key);
        java.util.function.DoubleSupplier loss = () -> {
            att.forward(out, probs, q, k, v, batch, t, p, key);
            return dot(out, wy, out.length);
        };
        check("dq", q, dq, loss, 60, 1);
        check("dk", k, dk, loss, 60, 2);
        check("dv", v, dv, loss, 60, 3);
        // Causality: the first position of each sequence attends only to itself.
        float[] q2 = q.clone();
        q2[heads * hd + 1] += 5; // a later position's query changes...
        float[] out2 = new float[out.length];
        att.forward(out2, probs, q2, k, v, batch, t, p, key);
        att.forward(out, probs, q, k, v, batch, t, p, key);
        assertThat(Arrays.copyOf(out2, heads * hd)).containsExactly(Arrays.copyOf(out, heads * hd));
    }

    @Test
    void swiglu() {
        int n = 37;
        float[] g = random(rng, n, 3), u = random(rng, n, 2), wy = random(rng, n, 1), y = new float[n];
        float[] dg = new float[n], du = new float[n];
        Activation act = new Activation(POOL);
        act.swigluBackward(dg, du, wy, g, u, n);
        java.util.function.DoubleSupplier loss = () -> {
            act.swiglu(y, g, u, n);
            return dot(y, wy, n);
        };
        check("dgate", g, dg, loss, n, 1);
        check("dup", u, du, loss, n, 2);
    }

    @Test
    void gelu() {
        int n = 45;
        float[] x = random(rng, n, 4), wy = random(rng, n, 1), y = new float[n], dx = new float[n];
        Activation act = new Activation(POOL);
        act.geluBackward(dx, wy, x, n);
        check("dx", x, dx, () -> {
            act.gelu(y, x, n);
            return dot(y, wy, n);
        }, n, 1);
        act.gelu(y, x, n);
        float[] ref = x.clone();
        jllm.kernels.Ops.gelu(ref, 0, n);
        for (int i = 0; i < n; i++) {
            assertThat(y[i]).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    @Test
    void residualAdd() {
        int n = 9;
        float[] a = random(rng, n, 1), b = random(rng, n, 1), wy = random(rng, n, 1), y = new float[n];
        float[] da = new float[n], db = new float[n];
        Residual.backward(da, db, wy, n);
        java.util.function.DoubleSupplier loss = () -> {
            Residual.forward(y, a, b, n);
            return dot(y, wy, n);
        };
        check("da", a, da, loss, n, 1);
        check("db", b, db, loss, n, 2);
    }

    @Test
    void dropout() {
        int n = 2000;
        float p = 0.25f;
        long key = Dropout.key(1, 2, 3);
        float[] x = random(rng, n, 1), wy = random(rng, n, 1), y = new float[n], dx = new float[n];
        Dropout.apply(dx, wy, n, key, p);
        check("dx", x, dx, () -> {
            Dropout.apply(y, x, n, key, p);
            return dot(y, wy, n);
        }, 50, 1);
        int dropped = 0;
        for (int i = 0; i < n; i++) {
            dropped += y[i] == 0f ? 1 : 0;
        }
        assertThat(dropped).isBetween(400, 600);
        float[] other = new float[n];
        Dropout.apply(other, x, n, Dropout.key(1, 3, 3), p);
        assertThat(other).isNotEqualTo(y);
    }

    @Test
    void crossEntropyWithIgnoreIndex() {
        int rows = 5, v = 13;
        int[] targets = {3, -1, 12, 0, -1};
        float[] logits = random(rng, rows * v, 3), work = new float[logits.length], losses = new float[rows];
        CrossEntropy ce = new CrossEntropy(POOL);
        System.arraycopy(logits, 0, work, 0, logits.length);
        double mean = ce.forward(work, losses, targets, rows, v);
        assertThat(losses[1]).isZero();
        assertThat(mean).isCloseTo((losses[0] + losses[2] + losses[3]) / 3.0, org.assertj.core.data.Offset.offset(1e-6));
        ce.backward(work, targets, rows, v, 1f);
        float[] dlogits = work.clone();
        check("dlogits", logits, dlogits, () -> {
            System.arraycopy(logits, 0, work, 0, logits.length);
            return ce.forward(work, losses, targets, rows, v);
        }, rows * v, 1, 1e-2f, 2e-2, 1e-3);
        for (int i = v; i < 2 * v; i++) {
            assertThat(dlogits[i]).isZero();
        }
    }
}
