package jllm.engine.train;

import jllm.kernels.Parallel;

/**
 * Softmax cross-entropy over rows of logits with an ignore index (-1): the loss is the mean over
 * rows whose target is not ignored. The forward turns the logits into probabilities in place; the
 * backward turns those into the gradient of the (scaled) mean loss, in place.
 */
final class CrossEntropy {
    /** Targets with this value contribute nothing. */
    static final int IGNORE = -1;

    private final Parallel pool;
    private final Parallel.RangeTask forwardTask = this::forwardRows;
    private final Parallel.RangeTask backwardTask = this::backwardRows;
    private float[] logits, losses;
    private int[] targets;
    private int v;
    private float scale;

    CrossEntropy(Parallel pool) {
        this.pool = pool;
    }

    /**
     * Softmax in place; {@code losses[r] = -log p[target]} (0 for ignored rows).
     *
     * @return the mean loss over counted rows (0 when every row is ignored)
     */
    double forward(float[] logits, float[] losses, int[] targets, int rows, int v) {
        this.logits = logits;
        this.losses = losses;
        this.targets = targets;
        this.v = v;
        pool.forRange(rows, forwardTask);
        double sum = 0;
        int count = 0;
        for (int r = 0; r < rows; r++) {
            if (targets[r] != IGNORE) {
                sum += losses[r];
                count++;
            }
        }
        clear();
        return count == 0 ? 0 : sum / count;
    }

    /** Counted rows (targets not ignored). */
    static int count(int[] targets, int rows) {
        int n = 0;
        for (int r = 0; r < rows; r++) {
            if (targets[r] != IGNORE) {
                n++;
            }
        }
        return n;
    }

    /** Probabilities in place become {@code lossScale * d(mean loss)/d logits}. */
    void backward(float[] probs, int[] targets, int rows, int v, float lossScale) {
        int count = count(targets, rows);
        this.logits = probs;
        this.targets = targets;
        this.v = v;
        this.scale = count == 0 ? 0f : lossScale / count;
        pool.forRange(rows, backwardTask);
        clear();
    }

    private void clear() {
        logits = losses = null;
        targets = null;
    }

    private void forwardRows(int from, int to) {
        for (int r = from; r < to; r++) {
            int o = r * v;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < v; i++) {
                max = Math.max(max, logits[o + i]);
            }
            int t = targets[r];
            if (t != IGNORE && (t < 0 || t >= v)) {
                throw new IllegalArgumentException("target " + t + " is outside the vocabulary (0.." + (v - 1) + ")");
            }
            float target = t == IGNORE ? 0f : logits[o + t];
            double sum = 0;
            for (int i = 0; i < v; i++) {
                float e = (float) Math.exp(logits[o + i] - max);
                logits[o + i] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            for (int i = 0; i < v; i++) {
                logits[o + i] *= inv;
            }
            losses[r] = t == IGNORE ? 0f : (float) (Math.log(sum) + max - target);
        }
    }

    private void backwardRows(int from, int to) {
        for (int r = from; r < to; r++) {
            int o = r * v, t = targets[r];
            if (t == IGNORE) {
                java.util.Arrays.fill(logits, o, o + v, 0f);
                continue;
            }
            for (int i = 0; i < v; i++) {
                logits[o + i] *= scale;
            }
            logits[o + t] -= scale;
        }
    }
}
