package jllm.engine.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import jllm.engine.model.ModelConfig.Architecture;
import jllm.engine.model.ModelConfig.Mlp;

/**
 * Random initial weights for a configuration, the starting point of pretraining and of synthetic
 * models: GPT-2's scheme (normal with std 0.02, output projections scaled by 1/sqrt(2 layers),
 * norms 1, biases 0; or small random norms and biases for tests, so they matter). Every row of
 * every tensor has its own generator derived from (seed, tensor name, row), so a tensor can be
 * produced row by row straight into a file (a 1B model never sits on the heap) and the values do
 * not depend on the order in which tensors are made.
 */
public final class ModelInit {
    private ModelInit() {}

    /** How a tensor's values are drawn. */
    public enum Kind { NORMAL, ONES, ZEROS }

    /**
     * One tensor to initialise.
     *
     * @param shape ggml order: {cols, rows} for matrices, {n} for vectors
     * @param std   the standard deviation of NORMAL values (or of the noise on ONES/ZEROS when random)
     */
    public record Spec(String name, long[] shape, Kind kind, double std, boolean noisy) {
        public int columns() { return (int) shape[0]; }

        public int rows() { return shape.length == 1 ? 1 : (int) shape[1]; }
    }

    /** The tensors of a model, in GGUF order, under llama.cpp's names. */
    public static List<Spec> specs(ModelConfig c, boolean tied, boolean randomBiases) {
        List<Spec> s = new ArrayList<>();
        double std = 0.02, projStd = 0.02 / Math.sqrt(2.0 * c.layers());
        s.add(matrix("token_embd.weight", c.vocabSize(), c.dim(), std));
        if (c.architecture() == Architecture.GPT2) {
            s.add(matrix("position_embd.weight", c.contextLength(), c.dim(), std / 2));
        }
        boolean biases = c.allBiases();
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            s.add(vector(p + "attn_norm.weight", c.dim(), Kind.ONES, randomBiases));
            if (biases) {
                s.add(vector(p + "attn_norm.bias", c.dim(), Kind.ZEROS, randomBiases));
            }
            s.add(matrix(p + "attn_q.weight", c.qDim(), c.dim(), std));
            s.add(matrix(p + "attn_k.weight", c.kvDim(), c.dim(), std));
            s.add(matrix(p + "attn_v.weight", c.kvDim(), c.dim(), std));
            if (biases || c.qkvBias()) {
                s.add(vector(p + "attn_q.bias", c.qDim(), Kind.ZEROS, randomBiases));
                s.add(vector(p + "attn_k.bias", c.kvDim(), Kind.ZEROS, randomBiases));
                s.add(vector(p + "attn_v.bias", c.kvDim(), Kind.ZEROS, randomBiases));
            }
            s.add(matrix(p + "attn_output.weight", c.dim(), c.qDim(), projStd));
            if (biases) {
                s.add(vector(p + "attn_output.bias", c.dim(), Kind.ZEROS, randomBiases));
            }
            s.add(vector(p + "ffn_norm.weight", c.dim(), Kind.ONES, randomBiases));
            if (biases) {
                s.add(vector(p + "ffn_norm.bias", c.dim(), Kind.ZEROS, randomBiases));
            }
            if (c.mlp() == Mlp.SWIGLU) {
                s.add(matrix(p + "ffn_gate.weight", c.ffnDim(), c.dim(), std));
            }
            s.add(matrix(p + "ffn_up.weight", c.ffnDim(), c.dim(), std));
            if (biases) {
                s.add(vector(p + "ffn_up.bias", c.ffnDim(), Kind.ZEROS, randomBiases));
            }
            s.add(matrix(p + "ffn_down.weight", c.dim(), c.ffnDim(), projStd));
            if (biases) {
                s.add(vector(p + "ffn_down.bias", c.dim(), Kind.ZEROS, randomBiases));
            }
        }
        s.add(vector("output_norm.weight", c.dim(), Kind.ONES, randomBiases));
        if (biases) {
            s.add(vector("output_norm.bias", c.dim(), Kind.ZEROS, randomBiases));
        }
        if (!tied) {
            s.add(matrix("output.weight", c.vocabSize(), c.dim(), std));
        }
        return s;
    }

    private static Spec matrix(String name, int rows, int cols, double std) {
        return new Spec(name, new long[] {cols, rows}, Kind.NORMAL, std, true);
    }

    private static Spec vector(String name, int n, Kind kind, boolean noisy) {
        return new Spec(name, new long[] {n}, kind, kind == Kind.ONES ? 0.1 : 0.05, noisy);
    }

    /** Writes row {@code row} of the tensor ({@code spec.columns()} values) into {@code out[off..]}. */
    public static void fillRow(Spec spec, long seed, int row, float[] out, int off) {
        int n = spec.columns();
        if (!spec.noisy() && spec.kind() != Kind.NORMAL) {
            java.util.Arrays.fill(out, off, off + n, spec.kind() == Kind.ONES ? 1f : 0f);
            return;
        }
        SplittableRandom rng = new SplittableRandom(mix(seed, spec.name().hashCode(), row));
        float base = spec.kind() == Kind.ONES ? 1f : 0f;
        for (int i = 0; i < n; i++) {
            out[off + i] = (float) (base + gaussian(rng) * spec.std());
        }
    }

    /** All tensors of a model as float arrays (for training and small test models). */
    public static Map<String, NamedTensor> random(ModelConfig c, long seed, boolean tied, boolean randomBiases) {
        Map<String, NamedTensor> m = new LinkedHashMap<>();
        for (Spec s : specs(c, tied, randomBiases)) {
            float[] v = new float[Math.multiplyExact(s.rows(), s.columns())];
            for (int r = 0; r < s.rows(); r++) {
                fillRow(s, seed, r, v, r * s.columns());
            }
            m.put(s.name(), new NamedTensor(s.name(), s.shape(), v));
        }
        return m;
    }

    /**
     * The tensors of a freshly initialised model as row sources for
     * {@link ModelExporter#writeGgufStreaming}, GPT-2's Q/K/V fused as GGUF stores them.
     */
    public static List<ModelExporter.TensorSource> sources(ModelConfig c, boolean tied, long seed) {
        List<Spec> specs = specs(c, tied, false);
        Map<String, Spec> byName = new LinkedHashMap<>();
        specs.forEach(s -> byName.put(s.name(), s));
        List<ModelExporter.TensorSource> out = new ArrayList<>();
        for (Spec s : specs) {
            boolean gpt2 = c.architecture() == Architecture.GPT2;
            if (gpt2 && (s.name().contains("attn_k.") || s.name().contains("attn_v."))) {
                continue; // folded into attn_qkv with attn_q
            }
            if (gpt2 && s.name().contains("attn_q.")) {
                Spec q = s;
                Spec k = byName.get(s.name().replace("attn_q.", "attn_k."));
                Spec v = byName.get(s.name().replace("attn_q.", "attn_v."));
                int qr = q.rows(), kr = k.rows();
                long[] shape = q.shape().length == 1 ? new long[] {qr + 2L * kr} : new long[] {q.columns(), qr + 2L * kr};
                String name = s.name().replace("attn_q.", "attn_qkv.");
                if (q.shape().length == 1) { // fused bias: one row of all three
                    out.add(new ModelExporter.TensorSource(name, shape, (r, o, off) -> {
                        fillRow(q, seed, 0, o, off);
                        fillRow(k, seed, 0, o, off + qr);
                        fillRow(v, seed, 0, o, off + qr + kr);
                    }));
                } else {
                    out.add(new ModelExporter.TensorSource(name, shape, (r, o, off) -> {
                        if (r < qr) {
                            fillRow(q, seed, r, o, off);
                        } else if (r < qr + kr) {
                            fillRow(k, seed, r - qr, o, off);
                        } else {
                            fillRow(v, seed, r - qr - kr, o, off);
                        }
                    }));
                }
                continue;
            }
            out.add(new ModelExporter.TensorSource(s.name(), s.shape(), (r, o, off) -> fillRow(s, seed, r, o, off)));
        }
        return out;
    }

    private static long mix(long seed, int name, int row) {
        long z = seed * 0x9E3779B97F4A7C15L + name * 0xBF58476D1CE4E5B9L + row * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Box-Muller on the seeded generator, so values are the same on every JDK. */
    static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
