package jllm.engine.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import jllm.engine.model.ModelConfig.Architecture;
import jllm.engine.model.ModelConfig.Mlp;

/**
 * Random initial weights for a configuration, the starting point of pretraining and of synthetic
 * test models: GPT-2's scheme (normal, std 0.02; output projections scaled by 1/sqrt(2 layers);
 * norms 1, biases 0, or small random biases when asked for, so tests see them). One seed fixes
 * every value.
 */
public final class ModelInit {
    private ModelInit() {}

    /**
     * @param tied         whether to omit output.weight (the token embedding is reused)
     * @param randomBiases give biases and norms small random values instead of 0 and 1 (for tests)
     */
    public static Map<String, NamedTensor> random(ModelConfig c, long seed, boolean tied, boolean randomBiases) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, NamedTensor> m = new LinkedHashMap<>();
        double std = 0.02, projStd = 0.02 / Math.sqrt(2.0 * c.layers());
        put(m, matrix(rng, "token_embd.weight", c.vocabSize(), c.dim(), std));
        if (c.architecture() == Architecture.GPT2) {
            put(m, matrix(rng, "position_embd.weight", c.contextLength(), c.dim(), std / 2));
        }
        boolean biases = c.allBiases();
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            put(m, norm(rng, p + "attn_norm.weight", c.dim(), randomBiases));
            if (biases) {
                put(m, bias(rng, p + "attn_norm.bias", c.dim(), randomBiases));
            }
            put(m, matrix(rng, p + "attn_q.weight", c.qDim(), c.dim(), std));
            put(m, matrix(rng, p + "attn_k.weight", c.kvDim(), c.dim(), std));
            put(m, matrix(rng, p + "attn_v.weight", c.kvDim(), c.dim(), std));
            if (biases || c.qkvBias()) {
                put(m, bias(rng, p + "attn_q.bias", c.qDim(), randomBiases));
                put(m, bias(rng, p + "attn_k.bias", c.kvDim(), randomBiases));
                put(m, bias(rng, p + "attn_v.bias", c.kvDim(), randomBiases));
            }
            put(m, matrix(rng, p + "attn_output.weight", c.dim(), c.qDim(), projStd));
            if (biases) {
                put(m, bias(rng, p + "attn_output.bias", c.dim(), randomBiases));
            }
            put(m, norm(rng, p + "ffn_norm.weight", c.dim(), randomBiases));
            if (biases) {
                put(m, bias(rng, p + "ffn_norm.bias", c.dim(), randomBiases));
            }
            if (c.mlp() == Mlp.SWIGLU) {
                put(m, matrix(rng, p + "ffn_gate.weight", c.ffnDim(), c.dim(), std));
            }
            put(m, matrix(rng, p + "ffn_up.weight", c.ffnDim(), c.dim(), std));
            if (biases) {
                put(m, bias(rng, p + "ffn_up.bias", c.ffnDim(), randomBiases));
            }
            put(m, matrix(rng, p + "ffn_down.weight", c.dim(), c.ffnDim(), projStd));
            if (biases) {
                put(m, bias(rng, p + "ffn_down.bias", c.dim(), randomBiases));
            }
        }
        put(m, norm(rng, "output_norm.weight", c.dim(), randomBiases));
        if (biases) {
            put(m, bias(rng, "output_norm.bias", c.dim(), randomBiases));
        }
        if (!tied) {
            put(m, matrix(rng, "output.weight", c.vocabSize(), c.dim(), std));
        }
        return m;
    }

    private static void put(Map<String, NamedTensor> m, NamedTensor t) {
        m.put(t.name(), t);
    }

    private static NamedTensor matrix(SplittableRandom rng, String name, int rows, int cols, double std) {
        float[] v = new float[Math.multiplyExact(rows, cols)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (gaussian(rng) * std);
        }
        return new NamedTensor(name, new long[] {cols, rows}, v);
    }

    private static NamedTensor norm(SplittableRandom rng, String name, int n, boolean random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = random ? (float) (1 + 0.1 * gaussian(rng)) : 1f;
        }
        return new NamedTensor(name, new long[] {n}, v);
    }

    private static NamedTensor bias(SplittableRandom rng, String name, int n, boolean random) {
        float[] v = new float[n];
        for (int i = 0; random && i < n; i++) {
            v[i] = (float) (0.05 * gaussian(rng));
        }
        return new NamedTensor(name, new long[] {n}, v);
    }

    /** Box-Muller from the seeded generator (SplittableRandom has no nextGaussian of its own before JDK 17's RandomGenerator; this keeps values stable across JDKs). */
    static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
