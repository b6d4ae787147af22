package jllm.engine.train;

import java.util.List;

/**
 * AdamW as PyTorch defines it: decoupled weight decay ({@code p -= lr * wd * p}) on matrices only
 * (norm weights and biases, the 1-D parameters, are not decayed), bias-corrected moments, and
 * global-norm gradient clipping. Frozen parameters are skipped. The moments and the step count are
 * the state a checkpoint saves.
 */
public final class AdamW {
    private final List<Parameter> params;
    private final float beta1, beta2, eps, weightDecay;
    private final float[][] m, v;
    private long t;

    public AdamW(List<Parameter> params, float beta1, float beta2, float eps, float weightDecay) {
        this.params = List.copyOf(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        m = new float[this.params.size()][];
        v = new float[this.params.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = new float[this.params.get(i).size()];
            v[i] = new float[this.params.get(i).size()];
        }
    }

    /** nanoGPT's settings: betas (0.9, 0.99), eps 1e-8. */
    public static AdamW of(List<Parameter> params, float weightDecay) {
        return new AdamW(params, 0.9f, 0.99f, 1e-8f, weightDecay);
    }

    /** The L2 norm of all unfrozen gradients together (summed in double). */
    public double gradientNorm() {
        double s = 0;
        for (Parameter p : params) {
            if (!p.frozen()) {
                for (float g : p.grad()) {
                    s += (double) g * g;
                }
            }
        }
        return Math.sqrt(s);
    }

    /**
     * Scales all gradients so that their global norm is at most {@code maxNorm} (no-op when
     * {@code maxNorm <= 0}).
     *
     * @return the norm before clipping
     */
    public double clip(float maxNorm) {
        double norm = gradientNorm();
        if (maxNorm > 0 && norm > maxNorm) {
            float s = (float) (maxNorm / (norm + 1e-6));
            for (Parameter p : params) {
                if (!p.frozen()) {
                    float[] g = p.grad();
                    for (int i = 0; i < g.length; i++) {
                        g[i] *= s;
                    }
                }
            }
        }
        return norm;
    }

    /** One update with learning rate {@code lr}. */
    public void step(float lr) {
        t++;
        float c1 = (float) (1 - Math.pow(beta1, t)), c2 = (float) (1 - Math.pow(beta2, t));
        for (int k = 0; k < params.size(); k++) {
            Parameter p = params.get(k);
            if (p.frozen()) {
                continue;
            }
            float[] w = p.values(), g = p.grad(), mk = m[k], vk = v[k];
            float decay = p.decays() ? 1f - lr * weightDecay : 1f;
            for (int i = 0; i < w.length; i++) {
                float gi = g[i];
                float mi = beta1 * mk[i] + (1 - beta1) * gi;
                float vi = beta2 * vk[i] + (1 - beta2) * gi * gi;
                mk[i] = mi;
                vk[i] = vi;
                float mhat = mi / c1, vhat = vi / c2;
                w[i] = w[i] * decay - lr * (mhat / ((float) Math.sqrt(vhat) + eps));
            }
        }
    }

    /** Updates taken so far. */
    public long steps() { return t; }

    List<Parameter> params() { return params; }

    float[] firstMoment(int i) { return m[i]; }

    float[] secondMoment(int i) { return v[i]; }

    void restore(long steps) { this.t = steps; }
}
