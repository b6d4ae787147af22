package jllm.engine.train;

/**
 * Token embedding plus an optional learned position embedding: {@code out[b,t] = wte[tok] + wpe[t]}.
 * The backward scatters into the tables on one thread, in row order (rows that share a token add
 * up in a fixed order).
 */
final class Embedding {
    private Embedding() {}

    static void forward(float[] out, int[] tokens, float[] wte, float[] wpe, int batch, int t, int c) {
        for (int b = 0; b < batch; b++) {
            for (int p = 0; p < t; p++) {
                int r = b * t + p;
                System.arraycopy(wte, tokens[r] * c, out, r * c, c);
                if (wpe != null) {
                    int o = r * c, po = p * c;
                    for (int i = 0; i < c; i++) {
                        out[o + i] += wpe[po + i];
                    }
                }
            }
        }
    }

    /** {@code dWte[tok] += dOut}, {@code dWpe[t] += dOut}; either table may be null (frozen). */
    static void backward(float[] dWte, float[] dWpe, float[] dOut, int[] tokens, int batch, int t, int c) {
        for (int b = 0; b < batch; b++) {
            for (int p = 0; p < t; p++) {
                int r = b * t + p, o = r * c;
                if (dWte != null) {
                    int to = tokens[r] * c;
                    for (int i = 0; i < c; i++) {
                        dWte[to + i] += dOut[o + i];
                    }
                }
                if (dWpe != null) {
                    int po = p * c;
                    for (int i = 0; i < c; i++) {
                        dWpe[po + i] += dOut[o + i];
                    }
                }
            }
        }
    }
}
