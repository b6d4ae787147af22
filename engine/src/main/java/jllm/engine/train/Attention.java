package jllm.engine.train;

import jllm.kernels.Ops;
import jllm.kernels.Parallel;

/**
 * Causal multi-head attention with grouped KV heads (each KV head serves {@code heads/kvHeads}
 * query heads), with optional dropout on the attention probabilities. Rows are {@code b*t + p};
 * q and out are {@code heads*headDim} wide, k and v {@code kvHeads*headDim}. The forward keeps the
 * probabilities ({@code batch x heads x t x t}, lower triangle) for the backward. The forward runs
 * (batch, head) pairs in parallel, the backward (batch, KV head) pairs, so no two threads add into
 * the same key or value gradient.
 */
final class Attention {
    private final Parallel pool;
    private final int heads, kvHeads, headDim;
    private final float scale;
    private final ThreadLocal<float[]> scratch;
    /** Ops.dot's scratch, fetched once per range rather than per score. */
    private final ThreadLocal<float[]> dotScratch = ThreadLocal.withInitial(() -> new float[Ops.DOT_SCRATCH]);
    private final Parallel.RangeTask forwardTask = this::forwardPairs;
    private final Parallel.RangeTask backwardTask = this::backwardPairs;
    private float[] out, probs, q, k, v, dq, dk, dv, dOut;
    private int t;
    private long key;
    private float p;

    Attention(Parallel pool, int heads, int kvHeads, int headDim, int maxT) {
        this.pool = pool;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
        this.scratch = ThreadLocal.withInitial(() -> new float[2 * maxT]);
    }

    /** {@code out = softmax(q k^T / sqrt(d) + causal mask) v}, with dropout p on the probabilities. */
    void forward(float[] out, float[] probs, float[] q, float[] k, float[] v, int batch, int t, float p, long key) {
        this.out = out;
        this.probs = probs;
        this.q = q;
        this.k = k;
        this.v = v;
        this.t = t;
        this.p = p;
        this.key = key;
        pool.forRange(batch * heads, forwardTask);
        clear();
    }

    /** Accumulates into dq, dk and dv the gradients for dOut (same p and key as the forward). */
    void backward(float[] dq, float[] dk, float[] dv, float[] dOut, float[] probs, float[] q, float[] k, float[] v,
                  int batch, int t, float p, long key) {
        this.dq = dq;
        this.dk = dk;
        this.dv = dv;
        this.dOut = dOut;
        this.probs = probs;
        this.q = q;
        this.k = k;
        this.v = v;
        this.t = t;
        this.p = p;
        this.key = key;
        pool.forRange(batch * kvHeads, backwardTask);
        clear();
    }

    private void clear() {
        out = probs = q = k = v = dq = dk = dv = dOut = null;
    }

    private void forwardPairs(int from, int to) {
        int qd = heads * headDim, kvd = kvHeads * headDim, group = heads / kvHeads;
        float keepScale = 1f / (1f - p);
        float[] ds = dotScratch.get();
        for (int idx = from; idx < to; idx++) {
            int b = idx / heads, h = idx % heads;
            int ko = (h / group) * headDim;
            for (int i = 0; i < t; i++) {
                int qo = (b * t + i) * qd + h * headDim;
                int po = (idx * t + i) * t;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    float s = Ops.dot(q, qo, k, (b * t + j) * kvd + ko, headDim, ds) * scale;
                    probs[po + j] = s;
                    max = Math.max(max, s);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) {
                    float e = (float) Math.exp(probs[po + j] - max);
                    probs[po + j] = e;
                    sum += e;
                }
                float inv = (float) (1.0 / sum);
                java.util.Arrays.fill(out, qo, qo + headDim, 0f);
                for (int j = 0; j <= i; j++) {
                    float pr = probs[po + j] * inv;
                    probs[po + j] = pr;
                    if (p > 0f) {
                        pr = Dropout.keep(key, po + j, p) ? pr * keepScale : 0f;
                    }
                    Ops.axpy(pr, v, (b * t + j) * kvd + ko, out, qo, headDim);
                }
            }
        }
    }

    private void backwardPairs(int from, int to) {
        int qd = heads * headDim, kvd = kvHeads * headDim, group = heads / kvHeads;
        float keepScale = 1f / (1f - p);
        float[] dp = scratch.get(), dotS = dotScratch.get();
        for (int idx = from; idx < to; idx++) {
            int b = idx / kvHeads, g = idx % kvHeads;
            int ko = g * headDim;
            for (int h = g * group; h < (g + 1) * group; h++) {
                int pair = b * heads + h;
                for (int i = 0; i < t; i++) {
                    int qo = (b * t + i) * qd + h * headDim;
                    int po = (pair * t + i) * t;
                    double dot = 0;
                    for (int j = 0; j <= i; j++) {
                        int vo = (b * t + j) * kvd + ko;
                        float pr = probs[po + j], m = 1f;
                        if (p > 0f) {
                            m = Dropout.keep(key, po + j, p) ? keepScale : 0f;
                        }
                        float d = Ops.dot(dOut, qo, v, vo, headDim, dotS) * m;
                        Ops.axpy(pr * m, dOut, qo, dv, vo, headDim);
                        dp[j] = d;
                        dot += pr * d;
                    }
                    float sum = (float) dot;
                    for (int j = 0; j <= i; j++) {
                        float ds = probs[po + j] * (dp[j] - sum) * scale;
                        int kOff = (b * t + j) * kvd + ko;
                        Ops.axpy(ds, k, kOff, dq, qo, headDim);
                        Ops.axpy(ds, q, qo, dk, kOff, headDim);
                    }
                }
            }
        }
    }
}
