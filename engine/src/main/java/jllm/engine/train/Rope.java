package jllm.engine.train;

import jllm.engine.model.ModelConfig;

/**
 * Rotary position embedding on rows of {@code heads x headDim}, adjacent pairs (2i, 2i+1) or
 * NeoX halves (i, i + d/2), with the angle table of the inference engine (float theta, cos and sin
 * rounded to float). Rotation is orthogonal, so the backward is the rotation by minus the angle.
 */
final class Rope {
    private final boolean neox;
    private final int dims, headDim, half;
    private final float[] cos, sin;

    /** Tables for positions [0, maxT). */
    Rope(ModelConfig.Rope kind, int ropeDims, int headDim, float[] invFreq, int maxT) {
        if (kind == ModelConfig.Rope.NONE) {
            throw new IllegalArgumentException("no RoPE");
        }
        this.neox = kind == ModelConfig.Rope.NEOX;
        this.dims = ropeDims;
        this.headDim = headDim;
        this.half = ropeDims / 2;
        cos = new float[maxT * half];
        sin = new float[maxT * half];
        for (int p = 0; p < maxT; p++) {
            for (int i = 0; i < half; i++) {
                float theta = p * invFreq[i];
                cos[p * half + i] = (float) Math.cos(theta);
                sin[p * half + i] = (float) Math.sin(theta);
            }
        }
    }

    /** Rotates, in place, the {@code heads} heads of every row of x ({@code batch*t} rows). */
    void forward(float[] x, int batch, int t, int heads) {
        apply(x, batch, t, heads, 1f);
    }

    /** The backward of {@link #forward}, in place on the gradient. */
    void backward(float[] dx, int batch, int t, int heads) {
        apply(dx, batch, t, heads, -1f);
    }

    private void apply(float[] x, int batch, int t, int heads, float sign) {
        int width = heads * headDim;
        for (int b = 0; b < batch; b++) {
            for (int p = 0; p < t; p++) {
                int to = p * half;
                for (int h = 0; h < heads; h++) {
                    int o = (b * t + p) * width + h * headDim;
                    for (int i = 0; i < half; i++) {
                        float c = cos[to + i], s = sign * sin[to + i];
                        int i0 = neox ? o + i : o + 2 * i, i1 = neox ? o + i + half : o + 2 * i + 1;
                        float x0 = x[i0], x1 = x[i1];
                        x[i0] = x0 * c - x1 * s;
                        x[i1] = x0 * s + x1 * c;
                    }
                }
            }
        }
    }

    int dims() { return dims; }
}
