package jllm.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Locale;
import jllm.engine.model.ModelConfig.Architecture;
import jllm.engine.model.ModelConfig.Mlp;
import jllm.engine.model.ModelConfig.Norm;
import jllm.engine.model.ModelConfig.Rope;

/**
 * Named model shapes ({@code jllm init --preset}, {@code jllm pretrain --preset}) and shapes given
 * as JSON with the keys of {@code jllm info --json}.
 */
public final class ModelPresets {
    private ModelPresets() {}

    /** The preset names. */
    public static final List<String> NAMES = List.of("tiny", "llama3.2-1b", "llama3.2-3b", "gpt2-124m", "nanogpt-char");

    /**
     * @param vocab the tokenizer's size, or 0 for the preset's own default
     * @return the configuration, and whether the output projection is tied to the embedding
     */
    public static Shape preset(String name, int vocab) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny" -> new Shape(llama(64, 2, 4, 2, 16, 172, or(vocab, 512), 256, 10000f, null), false);
            case "llama3.2-1b" -> new Shape(llama(2048, 16, 32, 8, 64, 8192, or(vocab, 128256), 131072, 500000f,
                    ModelLoader.llama3Factors(32f, 1f, 4f, 8192f, 500000f, 64)), true);
            case "llama3.2-3b" -> new Shape(llama(3072, 28, 24, 8, 128, 8192, or(vocab, 128256), 131072, 500000f,
                    ModelLoader.llama3Factors(32f, 1f, 4f, 8192f, 500000f, 128)), true);
            case "gpt2-124m" -> new Shape(gpt2(768, 12, 12, 3072, or(vocab, 50257), 1024), true);
            case "nanogpt-char" -> new Shape(gpt2(128, 4, 4, 512, or(vocab, 256), 64), true);
            default -> throw new IllegalArgumentException("unknown preset '" + name + "' (known: " + String.join(", ", NAMES) + ")");
        };
    }

    /** A configuration and whether its output projection is tied to the token embedding. */
    public record Shape(ModelConfig config, boolean tied) {}

    private static int or(int v, int fallback) {
        return v > 0 ? v : fallback;
    }

    static ModelConfig llama(int dim, int layers, int heads, int kv, int headDim, int ffn, int vocab, int ctx, float base,
                             float[] factors) {
        return new ModelConfig(Architecture.LLAMA, dim, layers, heads, kv, headDim, ffn, vocab, ctx, Norm.RMS, 1e-5f,
                Rope.ADJACENT, headDim, base, 1f, factors, Mlp.SWIGLU, false, false);
    }

    static ModelConfig gpt2(int dim, int layers, int heads, int ffn, int vocab, int ctx) {
        return new ModelConfig(Architecture.GPT2, dim, layers, heads, heads, dim / heads, ffn, vocab, ctx, Norm.LAYER,
                1e-5f, Rope.NONE, 0, 0f, 1f, null, Mlp.GELU, false, true);
    }

    /**
     * A shape from JSON with {@code jllm info --json}'s keys: {@code layers}, {@code heads},
     * {@code kv_heads}, {@code embedding_length}, {@code feed_forward_length}, {@code context_length},
     * {@code vocab_size}; optional {@code architecture} (llama, qwen2, gpt2), {@code head_dim},
     * {@code rope_freq_base}, {@code norm_epsilon}, {@code tied}. Missing keys get defaults for the
     * architecture.
     *
     * @param arch  the architecture when the JSON has none
     * @param vocab the tokenizer's size when the JSON has none (0 = 256)
     */
    public static Shape fromJson(String json, String arch, int vocab) {
        JsonNode o;
        try {
            o = new ObjectMapper().readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("--config is not valid JSON: " + e.getOriginalMessage());
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("--config must be a JSON object");
        }
        String a = o.path("architecture").asText(arch == null ? "llama" : arch).toLowerCase(Locale.ROOT);
        int dim = get(o, "embedding_length", a.equals("gpt2") ? 768 : 256);
        int heads = get(o, "heads", Math.max(1, dim / 64));
        int layers = get(o, "layers", 4);
        int ctx = get(o, "context_length", a.equals("gpt2") ? 1024 : 2048);
        int v = get(o, "vocab_size", or(vocab, 256));
        int headDim = get(o, "head_dim", dim / heads);
        boolean tied = o.path("tied").asBoolean(a.equals("gpt2"));
        return switch (a) {
            case "gpt2" -> new Shape(new ModelConfig(Architecture.GPT2, dim, layers, heads, heads, headDim,
                    get(o, "feed_forward_length", 4 * dim), v, ctx, Norm.LAYER, (float) o.path("norm_epsilon").asDouble(1e-5),
                    Rope.NONE, 0, 0f, 1f, null, Mlp.GELU, false, true), tied);
            case "llama", "qwen2" -> new Shape(new ModelConfig(a.equals("qwen2") ? Architecture.QWEN2 : Architecture.LLAMA,
                    dim, layers, heads, get(o, "kv_heads", heads), headDim, get(o, "feed_forward_length", ffnFor(dim)), v, ctx,
                    Norm.RMS, (float) o.path("norm_epsilon").asDouble(1e-5),
                    a.equals("qwen2") ? Rope.NEOX : Rope.ADJACENT, headDim, (float) o.path("rope_freq_base").asDouble(10000),
                    1f, null, Mlp.SWIGLU, a.equals("qwen2"), false), tied);
            default -> throw new IllegalArgumentException("architecture '" + a + "' is not one jllm builds (llama, qwen2, gpt2)");
        };
    }

    /** LLaMA's SwiGLU width: 2/3 of 4 x dim, rounded up to a multiple of 32. */
    static int ffnFor(int dim) {
        return (8 * dim / 3 + 31) / 32 * 32;
    }

    private static int get(JsonNode o, String key, int fallback) {
        JsonNode n = o.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() <= 0) {
            throw new IllegalArgumentException("--config " + key + " must be a positive integer, got " + n);
        }
        return n.asInt();
    }
}
