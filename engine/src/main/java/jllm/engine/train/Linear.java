package jllm.engine.train;

import jllm.kernels.Parallel;

/**
 * A fully connected layer {@code y = x W^T + b} over rows, W being {@code out x in} row-major (the
 * llama.cpp layout), forward and backward. The forward multiplies by a transposed copy of W (kept
 * in a caller-owned buffer) so that the kernel streams contiguous rows.
 */
final class Linear {
    private final Gemm gemm;

    Linear(Parallel pool) {
        this.gemm = new Gemm(pool);
    }

    /**
     * {@code y = x W^T (+ bias)}.
     *
     * @param wt scratch of at least {@code in*out} floats that receives W transposed
     */
    void forward(float[] y, float[] x, float[] w, float[] wt, float[] bias, int rows, int in, int out) {
        Gemm.transpose(w, wt, out, in);
        gemm.forward(y, x, wt, rows, in, out);
        if (bias != null) {
            for (int r = 0; r < rows; r++) {
                int o = r * out;
                for (int i = 0; i < out; i++) {
                    y[o + i] += bias[i];
                }
            }
        }
    }

    /**
     * Accumulates {@code dx += dy W}, {@code dW += dy^T x}, {@code dBias += sum of dy rows}; any of
     * dx, dW, dBias may be null to skip it.
     */
    void backward(float[] dx, float[] dW, float[] dBias, float[] dy, float[] x, float[] w, int rows, int in, int out) {
        if (dx != null) {
            gemm.backwardInput(dx, dy, w, rows, in, out);
        }
        if (dW != null) {
            gemm.backwardWeight(dW, dy, x, rows, in, out);
        }
        if (dBias != null) {
            for (int r = 0; r < rows; r++) {
                int o = r * out;
                for (int i = 0; i < out; i++) {
                    dBias[i] += dy[o + i];
                }
            }
        }
    }
}
