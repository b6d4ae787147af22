package jllm.engine.train;

import jllm.engine.model.ModelConfig;

/**
 * Every activation the forward keeps for the backward, and the gradient scratch the backward
 * reuses layer after layer, allocated once for {@code maxBatch x maxT} rows.
 */
final class Buffers {
    final int rows;
    final int[] tokens, targets;
    final float[][] resid;            // layers + 1: the residual stream entering each block (and the last)
    final float[][] ln1, mean1, rstd1, q, k, v, probs, attOut, resid2, ln2, mean2, rstd2;
    final float[][] fc, fcAct;        // GELU: pre- and post-activation; SwiGLU: gate and up
    final float[][] hidden;           // SwiGLU only: silu(gate) * up
    final float[] lnf, meanF, rstdF, logits, losses;
    final float[] proj, dResid, dTmp, dLn, dq, dk, dv, dAtt, dH1, dH2, dH3;
    final float[] transposed;

    Buffers(ModelConfig c, int maxBatch, int maxT, boolean swiglu) {
        int n = Math.multiplyExact(maxBatch, maxT);
        rows = n;
        int d = c.dim(), qd = c.qDim(), kvd = c.kvDim(), f = c.ffnDim(), layers = c.layers();
        tokens = new int[n];
        targets = new int[n];
        resid = new float[layers + 1][n * d];
        ln1 = new float[layers][n * d];
        mean1 = new float[layers][n];
        rstd1 = new float[layers][n];
        q = new float[layers][n * qd];
        k = new float[layers][n * kvd];
        v = new float[layers][n * kvd];
        probs = new float[layers][Math.multiplyExact(maxBatch * c.heads(), maxT * maxT)];
        attOut = new float[layers][n * qd];
        resid2 = new float[layers][n * d];
        ln2 = new float[layers][n * d];
        mean2 = new float[layers][n];
        rstd2 = new float[layers][n];
        fc = new float[layers][n * f];
        fcAct = new float[layers][n * f];
        hidden = swiglu ? new float[layers][n * f] : null;
        lnf = new float[n * d];
        meanF = new float[n];
        rstdF = new float[n];
        logits = new float[Math.multiplyExact(n, c.vocabSize())];
        losses = new float[n];
        proj = new float[n * d];
        dResid = new float[n * d];
        dTmp = new float[n * d];
        dLn = new float[n * d];
        dq = new float[n * qd];
        dk = new float[n * kvd];
        dv = new float[n * kvd];
        dAtt = new float[n * qd];
        dH1 = new float[n * f];
        dH2 = new float[n * f];
        dH3 = swiglu ? new float[n * f] : null;
        int maxMatrix = Math.max(Math.max(qd * d, f * d), c.vocabSize() * d);
        transposed = new float[maxMatrix];
    }
}
