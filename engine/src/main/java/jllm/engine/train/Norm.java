package jllm.engine.train;

import jllm.kernels.Parallel;

/**
 * RMSNorm or LayerNorm over rows of width {@code c}, forward and backward. The forward keeps
 * each row's mean and reciprocal standard deviation for the backward. Sums run in double, as in
 * the inference kernels. Rows are split across the pool; weight and bias gradients are summed
 * over rows per column range, so their order does not depend on the thread count.
 */
final class Norm {
    private final Parallel pool;
    private final boolean rms;
    private final int c;
    private final float eps;
    private final Parallel.RangeTask forwardTask = this::forwardRows;
    private final Parallel.RangeTask backwardTask = this::backwardRows;
    private final Parallel.RangeTask paramTask = this::paramColumns;
    private float[] out, in, w, bias, mean, rstd, dIn, dW, dBias, dOut;
    private int rows;

    /** @param rms RMSNorm (no mean, no bias) when true, else LayerNorm */
    Norm(Parallel pool, boolean rms, int c, float eps) {
        this.pool = pool;
        this.rms = rms;
        this.c = c;
        this.eps = eps;
    }

    /** {@code out = norm(in) * w (+ bias)}; mean (LayerNorm only) and rstd get one value per row. */
    void forward(float[] out, float[] mean, float[] rstd, float[] in, float[] w, float[] bias, int rows) {
        this.out = out;
        this.mean = mean;
        this.rstd = rstd;
        this.in = in;
        this.w = w;
        this.bias = bias;
        this.rows = rows;
        pool.forRange(rows, forwardTask);
        clear();
    }

    /**
     * Accumulates {@code dIn += d norm/d in . dOut} and, where not null, {@code dW}, {@code dBias}.
     */
    void backward(float[] dIn, float[] dW, float[] dBias, float[] dOut, float[] in, float[] w, float[] mean,
                  float[] rstd, int rows) {
        this.dIn = dIn;
        this.dW = dW;
        this.dBias = dBias;
        this.dOut = dOut;
        this.in = in;
        this.w = w;
        this.mean = mean;
        this.rstd = rstd;
        this.rows = rows;
        if (dIn != null) {
            pool.forRange(rows, backwardTask);
        }
        if (dW != null || dBias != null) {
            pool.forRange(c, paramTask);
        }
        clear();
    }

    private void clear() {
        out = in = w = bias = mean = rstd = dIn = dW = dBias = dOut = null;
    }

    private void forwardRows(int from, int to) {
        for (int r = from; r < to; r++) {
            int o = r * c;
            float mu = 0;
            if (!rms) {
                double s = 0;
                for (int i = 0; i < c; i++) {
                    s += in[o + i];
                }
                mu = (float) (s / c);
                mean[r] = mu;
            }
            double s2 = 0;
            for (int i = 0; i < c; i++) {
                float v = in[o + i] - mu;
                s2 += v * v;
            }
            float rs = 1.0f / (float) Math.sqrt((float) (s2 / c) + eps);
            rstd[r] = rs;
            for (int i = 0; i < c; i++) {
                float v = ((in[o + i] - mu) * rs) * w[i];
                out[o + i] = bias != null ? v + bias[i] : v;
            }
        }
    }

    private void backwardRows(int from, int to) {
        for (int r = from; r < to; r++) {
            int o = r * c;
            float mu = rms ? 0 : mean[r], rs = rstd[r];
            double sumD = 0, sumDX = 0;
            for (int i = 0; i < c; i++) {
                float d = dOut[o + i] * w[i];
                sumD += d;
                sumDX += d * ((in[o + i] - mu) * rs);
            }
            float meanD = rms ? 0 : (float) (sumD / c), meanDX = (float) (sumDX / c);
            for (int i = 0; i < c; i++) {
                float xhat = (in[o + i] - mu) * rs;
                dIn[o + i] += rs * (dOut[o + i] * w[i] - meanD - xhat * meanDX);
            }
        }
    }

    private void paramColumns(int from, int to) {
        for (int r = 0; r < rows; r++) {
            int o = r * c;
            float mu = rms ? 0 : mean[r], rs = rstd[r];
            for (int i = from; i < to; i++) {
                float d = dOut[o + i];
                if (dW != null) {
                    dW[i] += d * ((in[o + i] - mu) * rs);
                }
                if (dBias != null) {
                    dBias[i] += d;
                }
            }
        }
    }
}
