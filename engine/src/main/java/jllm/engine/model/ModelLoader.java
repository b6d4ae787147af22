package jllm.engine.model;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import jllm.engine.model.ModelConfig.Architecture;
import jllm.engine.model.ModelConfig.Mlp;
import jllm.engine.model.ModelConfig.Norm;
import jllm.engine.model.ModelConfig.Rope;
import jllm.formats.FormatException;
import jllm.formats.GgmlType;
import jllm.formats.GgufFile;
import jllm.formats.GgufMetadata;
import jllm.formats.HfConfig;
import jllm.formats.Llama2cCheckpoint;
import jllm.formats.ModelFile;
import jllm.formats.SafetensorsModel;
import jllm.formats.TensorData;
import jllm.formats.quant.QuantCodecs;
import jllm.kernels.Matrix;

/**
 * Reads a {@link ModelConfig} and {@link ModelWeights} from any model file. GGUF files use
 * llama.cpp's tensor names and conventions; Hugging Face files are renamed to those
 * ({@code model.layers.3.self_attn.q_proj.weight} becomes {@code blk.3.attn_q.weight}), and their
 * rotate-half RoPE becomes NeoX rotation, which is the same thing on unpermuted weights.
 */
final class ModelLoader {
    private ModelLoader() {}

    record Loaded(ModelConfig config, ModelWeights weights) {}

    static Loaded load(ModelFile file) {
        return switch (file) {
            case GgufFile g -> fromTensors(ggufConfig(g), g.tensorMap()::get, file);
            case Llama2cCheckpoint c -> fromTensors(llama2cConfig(c.config()), c.tensorMap()::get, file);
            case SafetensorsModel s -> {
                HfConfig hf = s.config().orElseThrow(() -> new FormatException(s.path(), "config.json", -1,
                        "no config.json beside the weights; it is needed to build the model"));
                ModelConfig c = hfConfig(hf, s);
                yield fromTensors(c, hfNames(c, s.tensorMap())::get, file);
            }
            default -> throw new IllegalArgumentException("unsupported model file " + file.getClass().getSimpleName());
        };
    }

    // ---------------------------------------------------------------- configs

    static ModelConfig ggufConfig(GgufFile g) {
        GgufMetadata m = g.metadata();
        String arch = m.getString("general.architecture");
        Architecture a = switch (arch) {
            case "llama" -> Architecture.LLAMA;
            case "qwen2" -> Architecture.QWEN2;
            case "gpt2" -> Architecture.GPT2;
            default -> throw new FormatException(g.path(), "general.architecture", -1,
                    "architecture '" + arch + "' is not supported by jllm yet (supported: llama, qwen2, gpt2)");
        };
        String p = arch + ".";
        int dim = m.getInt(p + "embedding_length");
        int heads = m.getInt(p + "attention.head_count");
        int kvHeads = m.findInt(p + "attention.head_count_kv").orElse(heads);
        int headDim = m.findInt(p + "attention.key_length").orElse(dim / heads);
        TensorData emb = g.tensor("token_embd.weight");
        int vocab = (int) emb.dim(1);
        boolean gpt2 = a == Architecture.GPT2;
        float eps = gpt2 ? m.getFloat(p + "attention.layer_norm_epsilon")
                : m.getFloat(p + "attention.layer_norm_rms_epsilon");
        int ropeDims = gpt2 ? 0 : m.findInt(p + "rope.dimension_count").orElse(headDim);
        float base = m.findFloat(p + "rope.freq_base").orElse(10000f);
        float scale = 1f;
        String scaling = m.findString(p + "rope.scaling.type").orElse("none");
        switch (scaling) {
            case "none" -> { }
            case "linear" -> scale = 1f / m.getFloat(p + "rope.scaling.factor");
            default -> throw new FormatException(g.path(), p + "rope.scaling.type", -1,
                    "RoPE scaling '" + scaling + "' is not supported by jllm yet (supported: none, linear, llama3 rope_freqs)");
        }
        float[] factors = null;
        if (g.tensorMap().get("rope_freqs.weight") instanceof TensorData rf) {
            factors = floats(rf);
        }
        return new ModelConfig(a, dim, m.getInt(p + "block_count"), heads, kvHeads, headDim,
                m.getInt(p + "feed_forward_length"), vocab, m.getInt(p + "context_length"),
                gpt2 ? Norm.LAYER : Norm.RMS, eps,
                gpt2 ? Rope.NONE : a == Architecture.QWEN2 ? Rope.NEOX : Rope.ADJACENT,
                ropeDims, base, scale, factors, gpt2 ? Mlp.GELU : Mlp.SWIGLU, a == Architecture.QWEN2, gpt2);
    }

    static ModelConfig llama2cConfig(Llama2cCheckpoint.Config k) {
        return new ModelConfig(Architecture.LLAMA, k.dim(), k.layers(), k.heads(), k.kvHeads(), k.headSize(),
                k.hiddenDim(), k.vocabSize(), k.seqLen(), Norm.RMS, 1e-5f, Rope.ADJACENT, k.headSize(), 10000f, 1f,
                null, Mlp.SWIGLU, false, false);
    }

    static ModelConfig hfConfig(HfConfig c, SafetensorsModel s) {
        Architecture a = switch (c.modelType()) {
            case "llama", "mistral" -> Architecture.LLAMA;
            case "qwen2" -> Architecture.QWEN2;
            case "gpt2" -> Architecture.GPT2;
            default -> throw new FormatException(s.path(), "config.json model_type", -1,
                    "model type '" + c.modelType() + "' is not supported by jllm yet (supported: llama, mistral, qwen2, gpt2)");
        };
        boolean gpt2 = a == Architecture.GPT2;
        float scale = 1f;
        float[] factors = null;
        String scaling = c.ropeScalingType().orElse("none");
        switch (scaling) {
            case "none", "default" -> { }
            case "linear" -> scale = 1f / number(c, "factor");
            case "llama3" -> factors = llama3Factors(c);
            default -> throw new FormatException(s.path(), "config.json rope_scaling", -1,
                    "RoPE scaling '" + scaling + "' is not supported by jllm yet (supported: linear, llama3)");
        }
        int vocab = c.vocabSize();
        return new ModelConfig(a, c.hiddenSize(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.intermediateSize(),
                vocab, c.contextLength(), gpt2 ? Norm.LAYER : Norm.RMS, c.normEps(), gpt2 ? Rope.NONE : Rope.NEOX,
                gpt2 ? 0 : c.headDim(), c.ropeTheta(), scale, factors, gpt2 ? Mlp.GELU : Mlp.SWIGLU,
                a == Architecture.QWEN2, gpt2);
    }

    private static float number(HfConfig c, String key) {
        Object v = c.ropeScaling().get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("config.json rope_scaling." + key + " is missing or not a number");
        }
        return n.floatValue();
    }

    /** Llama 3.1's frequency-dependent RoPE scaling, from config.json's rope_scaling. */
    static float[] llama3Factors(HfConfig c) {
        return llama3Factors(number(c, "factor"), number(c, "low_freq_factor"), number(c, "high_freq_factor"),
                number(c, "original_max_position_embeddings"), c.ropeTheta(), c.headDim());
    }

    /** The per-frequency divisors llama.cpp's converter stores as rope_freqs for Llama 3.1+. */
    static float[] llama3Factors(float factor, float low, float high, float oldCtx, float theta, int headDim) {
        double lowWavelen = oldCtx / low;
        double highWavelen = oldCtx / high;
        int n = headDim / 2;
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            double freq = 1.0 / Math.pow(theta, 2.0 * i / headDim);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) {
                f[i] = 1f;
            } else if (wavelen > lowWavelen) {
                f[i] = factor;
            } else {
                double smooth = (oldCtx / wavelen - low) / (high - low);
                f[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return f;
    }

    // ---------------------------------------------------------------- names

    /** Maps Hugging Face names to llama.cpp names; GPT-2's Conv1D weights are transposed on the heap. */
    static Map<String, TensorData> hfNames(ModelConfig c, Map<String, TensorData> hf) {
        Map<String, TensorData> out = new HashMap<>();
        for (Map.Entry<String, TensorData> e : hf.entrySet()) {
            String n = e.getKey();
            String g = c.architecture() == Architecture.GPT2 ? gpt2Name(n) : llamaName(n);
            if (g == null) {
                continue;
            }
            TensorData t = e.getValue();
            boolean conv1d = c.architecture() == Architecture.GPT2 && t.rank() == 2 && g.endsWith(".weight")
                    && g.startsWith("blk.");
            out.put(g, conv1d ? transpose(g, t) : rename(g, t));
        }
        return out;
    }

    private static String llamaName(String n) {
        n = n.startsWith("model.") ? n.substring(6) : n;
        if (n.equals("embed_tokens.weight")) {
            return "token_embd.weight";
        }
        if (n.equals("norm.weight")) {
            return "output_norm.weight";
        }
        if (n.equals("lm_head.weight")) {
            return "output.weight";
        }
        if (!n.startsWith("layers.")) {
            return null;
        }
        int dot = n.indexOf('.', 7);
        String layer = n.substring(7, dot);
        String rest = n.substring(dot + 1)
                .replace("input_layernorm", "attn_norm")
                .replace("post_attention_layernorm", "ffn_norm")
                .replace("self_attn.q_proj", "attn_q").replace("self_attn.k_proj", "attn_k")
                .replace("self_attn.v_proj", "attn_v").replace("self_attn.o_proj", "attn_output")
                .replace("mlp.gate_proj", "ffn_gate").replace("mlp.up_proj", "ffn_up").replace("mlp.down_proj", "ffn_down");
        return "blk." + layer + "." + rest;
    }

    private static String gpt2Name(String n) {
        n = n.startsWith("transformer.") ? n.substring(12) : n;
        return switch (n) {
            case "wte.weight" -> "token_embd.weight";
            case "wpe.weight" -> "position_embd.weight";
            case "ln_f.weight" -> "output_norm.weight";
            case "ln_f.bias" -> "output_norm.bias";
            case "lm_head.weight" -> "output.weight";
            default -> {
                if (!n.startsWith("h.") || n.endsWith(".attn.bias") || n.endsWith(".attn.masked_bias")) {
                    yield null;
                }
                int dot = n.indexOf('.', 2);
                yield "blk." + n.substring(2, dot) + "." + n.substring(dot + 1)
                        .replace("ln_1", "attn_norm").replace("ln_2", "ffn_norm")
                        .replace("attn.c_attn", "attn_qkv").replace("attn.c_proj", "attn_output")
                        .replace("mlp.c_fc", "ffn_up").replace("mlp.c_proj", "ffn_down");
            }
        };
    }

    private static TensorData rename(String name, TensorData t) {
        return new TensorData(name, t.type(), t.shape(), t.data());
    }

    /** Conv1D stores [in, out]; the kernels want [out][in] rows. Decoded to float on the heap. */
    private static TensorData transpose(String name, TensorData t) {
        int rows = (int) t.rows(), cols = (int) t.columns(); // file: rows = in, cols = out
        float[] src = new float[rows * cols];
        QuantCodecs.dequantize(t.type(), t.data(), 0, src, 0, src.length);
        float[] dst = new float[src.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[c * rows + r] = src[r * cols + c];
            }
        }
        return new TensorData(name, GgmlType.F32, new long[] {rows, cols}, MemorySegment.ofArray(dst));
    }

    // ---------------------------------------------------------------- weights

    private static Loaded fromTensors(ModelConfig c, java.util.function.Function<String, TensorData> tensors,
                                      ModelFile file) {
        Lookup t = new Lookup(tensors, file);
        boolean gpt2 = c.architecture() == Architecture.GPT2;
        ModelWeights.Layer[] layers = new ModelWeights.Layer[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            boolean fused = t.find(p + "attn_qkv.weight").isPresent();
            layers[l] = new ModelWeights.Layer(
                    t.vector(p + "attn_norm.weight", c.dim()), gpt2 ? t.vector(p + "attn_norm.bias", c.dim()) : null,
                    fused ? null : t.matrix(p + "attn_q.weight", c.qDim(), c.dim()),
                    fused ? null : t.matrix(p + "attn_k.weight", c.kvDim(), c.dim()),
                    fused ? null : t.matrix(p + "attn_v.weight", c.kvDim(), c.dim()),
                    fused ? t.matrix(p + "attn_qkv.weight", c.qDim() + 2 * c.kvDim(), c.dim()) : null,
                    !fused && (c.qkvBias() || c.allBiases()) ? t.vector(p + "attn_q.bias", c.qDim()) : null,
                    !fused && (c.qkvBias() || c.allBiases()) ? t.vector(p + "attn_k.bias", c.kvDim()) : null,
                    !fused && (c.qkvBias() || c.allBiases()) ? t.vector(p + "attn_v.bias", c.kvDim()) : null,
                    fused && c.allBiases() ? t.vector(p + "attn_qkv.bias", c.qDim() + 2 * c.kvDim()) : null,
                    t.matrix(p + "attn_output.weight", c.dim(), c.qDim()),
                    c.allBiases() ? t.vector(p + "attn_output.bias", c.dim()) : null,
                    t.vector(p + "ffn_norm.weight", c.dim()), gpt2 ? t.vector(p + "ffn_norm.bias", c.dim()) : null,
                    c.mlp() == Mlp.SWIGLU ? t.matrix(p + "ffn_gate.weight", c.ffnDim(), c.dim()) : null,
                    t.matrix(p + "ffn_up.weight", c.ffnDim(), c.dim()),
                    t.matrix(p + "ffn_down.weight", c.dim(), c.ffnDim()),
                    c.allBiases() ? t.vector(p + "ffn_up.bias", c.ffnDim()) : null,
                    c.allBiases() ? t.vector(p + "ffn_down.bias", c.dim()) : null);
        }
        TensorData emb = t.require("token_embd.weight");
        t.checkShape(emb, c.vocabSize(), c.dim());
        if (!QuantCodecs.canDequantize(emb.type())) {
            throw new FormatException(file.path(), "tensor 'token_embd.weight'", -1,
                    "has type " + emb.type() + ", which jllm does not support yet");
        }
        TensorData pos = null;
        if (gpt2) {
            pos = t.require("position_embd.weight");
            t.checkShape(pos, pos.rows(), c.dim());
        }
        // Tied embeddings: the output projection is the token embedding itself.
        Matrix output = t.find("output.weight").isPresent()
                ? t.matrix("output.weight", c.vocabSize(), c.dim()) : t.matrix("token_embd.weight", c.vocabSize(), c.dim());
        return new Loaded(c, new ModelWeights(emb, pos, layers, t.vector("output_norm.weight", c.dim()),
                gpt2 ? t.vector("output_norm.bias", c.dim()) : null, output));
    }

    /** Tensor access with errors that name the file and the tensor. */
    private record Lookup(java.util.function.Function<String, TensorData> tensors, ModelFile file) {
        Optional<TensorData> find(String name) {
            return Optional.ofNullable(tensors.apply(name));
        }

        TensorData require(String name) {
            return find(name).orElseThrow(() -> new FormatException(file.path(), "tensor '" + name + "'", -1,
                    "is missing; the model's configuration needs it"));
        }

        void checkShape(TensorData t, long rows, long cols) {
            if (t.columns() != cols || t.rows() != rows) {
                throw new FormatException(file.path(), "tensor '" + t.name() + "'", -1, String.format(Locale.ROOT,
                        "has shape %d x %d (rows x columns) but the configuration needs %d x %d",
                        t.rows(), t.columns(), rows, cols));
            }
        }

        Matrix matrix(String name, int rows, int cols) {
            TensorData td = require(name);
            checkShape(td, rows, cols);
            try {
                return Matrix.of(td);
            } catch (IllegalArgumentException e) {
                throw new FormatException(file.path(), "tensor '" + name + "'", -1, e.getMessage());
            }
        }

        float[] vector(String name, int n) {
            TensorData td = require(name);
            if (td.elementCount() != n) {
                throw new FormatException(file.path(), "tensor '" + name + "'", -1,
                        "has " + td.elementCount() + " elements, expected " + n);
            }
            if (!QuantCodecs.canDequantize(td.type())) {
                throw new FormatException(file.path(), "tensor '" + name + "'", -1,
                        "has type " + td.type() + ", which jllm does not support yet");
            }
            return floats(td);
        }
    }

    static float[] floats(TensorData t) {
        float[] out = new float[Math.toIntExact(t.elementCount())];
        QuantCodecs.dequantize(t.type(), t.data(), 0, out, 0, out.length);
        return out;
    }
}
