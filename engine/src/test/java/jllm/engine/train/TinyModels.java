package jllm.engine.train;

import java.util.Map;
import jllm.engine.model.ModelConfig;
import jllm.engine.model.ModelConfig.Architecture;
import jllm.engine.model.ModelConfig.Mlp;
import jllm.engine.model.ModelConfig.Norm;
import jllm.engine.model.ModelConfig.Rope;
import jllm.engine.model.ModelInit;
import jllm.engine.model.NamedTensor;

/** Small configurations of each architecture for tests. */
final class TinyModels {
    private TinyModels() {}

    static ModelConfig llama(int dim, int heads, int kvHeads, int ffn, int vocab, int ctx) {
        return new ModelConfig(Architecture.LLAMA, dim, 2, heads, kvHeads, dim / heads, ffn, vocab, ctx, Norm.RMS, 1e-5f,
                Rope.ADJACENT, dim / heads, 10000f, 1f, null, Mlp.SWIGLU, false, false);
    }

    static ModelConfig qwen2(int dim, int heads, int kvHeads, int ffn, int vocab, int ctx) {
        return new ModelConfig(Architecture.QWEN2, dim, 2, heads, kvHeads, dim / heads, ffn, vocab, ctx, Norm.RMS, 1e-6f,
                Rope.NEOX, dim / heads, 10000f, 1f, null, Mlp.SWIGLU, true, false);
    }

    static ModelConfig gpt2(int dim, int heads, int ffn, int vocab, int ctx) {
        return new ModelConfig(Architecture.GPT2, dim, 2, heads, heads, dim / heads, ffn, vocab, ctx, Norm.LAYER, 1e-5f,
                Rope.NONE, 0, 0f, 1f, null, Mlp.GELU, false, true);
    }

    /** Random weights with random norms and biases, matrices scaled up so activations are far from trivial. */
    static Map<String, NamedTensor> weights(ModelConfig c, long seed, boolean tied, float matrixScale) {
        Map<String, NamedTensor> w = ModelInit.random(c, seed, tied, true);
        w.values().forEach(t -> {
            if (t.shape().length == 2) {
                for (int i = 0; i < t.values().length; i++) {
                    t.values()[i] *= matrixScale;
                }
            }
        });
        return w;
    }
}
