package jllm.formats;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face {@code config.json} for a LLaMA-family or GPT-2 model. Fields use the LLaMA
 * names; GPT-2's own names ({@code n_embd}, {@code n_layer}, {@code n_head}, {@code n_positions},
 * {@code n_inner}) are read into the same fields.
 *
 * @param modelType        {@code model_type}, e.g. "llama", "mistral", "qwen2", "gpt2"
 * @param architectures    {@code architectures}, e.g. ["LlamaForCausalLM"]
 * @param hiddenSize       embedding width
 * @param intermediateSize feed-forward width (GPT-2 default: 4 x hidden)
 * @param layers           number of decoder blocks
 * @param heads            attention heads
 * @param kvHeads          key/value heads (defaults to heads)
 * @param headDim          per-head width (defaults to hidden / heads)
 * @param vocabSize        vocabulary size
 * @param contextLength    {@code max_position_embeddings} / {@code n_positions}
 * @param normEps          {@code rms_norm_eps} or {@code layer_norm_epsilon}
 * @param ropeTheta        RoPE base frequency (10000 when absent)
 * @param ropeScaling      {@code rope_scaling} as plain values, empty when absent
 * @param tieWordEmbeddings whether the output projection shares the token embedding
 * @param bosTokenId       {@code bos_token_id}, or -1
 * @param eosTokenIds      {@code eos_token_id} (one id or a list), possibly empty
 * @param hiddenAct        activation name ("silu", "gelu_new", ...)
 * @param torchDtype       {@code torch_dtype}, or null
 * @param slidingWindow    {@code sliding_window} (Mistral), or 0
 */
public record HfConfig(String modelType, List<String> architectures, int hiddenSize, int intermediateSize,
                       int layers, int heads, int kvHeads, int headDim, int vocabSize, int contextLength,
                       float normEps, float ropeTheta, Map<String, Object> ropeScaling, boolean tieWordEmbeddings,
                       int bosTokenId, List<Integer> eosTokenIds, String hiddenAct, String torchDtype,
                       int slidingWindow) {

    /** Reads and checks a config.json. */
    public static HfConfig read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > 16 << 20) {
            throw new FormatException(file, "config.json", -1, "file of " + size + " bytes is too large for a config");
        }
        return parse(Files.readString(file), file.toString());
    }

    /** Parses config.json text; {@code name} appears in errors. */
    public static HfConfig parse(String json, String name) {
        JsonNode root;
        try {
            root = SafetensorsFile.JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new FormatException(name, "config.json", -1, "malformed JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new FormatException(name, "config.json", -1, "is not a JSON object");
        }
        Fields f = new Fields(root, name);
        String modelType = f.string("model_type", "llama");
        boolean gpt2 = modelType.equals("gpt2");
        List<String> archs = new ArrayList<>();
        if (root.get("architectures") instanceof JsonNode a && a.isArray()) {
            a.forEach(n -> archs.add(n.asText()));
        }
        int hidden = f.integer(gpt2 ? "n_embd" : "hidden_size", "hidden_size", null);
        int layers = f.integer(gpt2 ? "n_layer" : "num_hidden_layers", "num_hidden_layers", null);
        int heads = f.integer(gpt2 ? "n_head" : "num_attention_heads", "num_attention_heads", null);
        if (hidden <= 0 || layers <= 0 || heads <= 0 || hidden % heads != 0 && !root.has("head_dim")) {
            throw new FormatException(name, "hidden_size/num_attention_heads", -1,
                    "hidden size " + hidden + " with " + heads + " heads and " + layers + " layers is not a valid model");
        }
        int inter = f.integer(gpt2 ? "n_inner" : "intermediate_size", "intermediate_size", 4 * hidden);
        int kv = f.integer("num_key_value_heads", null, heads);
        if (kv <= 0 || heads % kv != 0) {
            throw new FormatException(name, "num_key_value_heads", -1, kv + " does not divide " + heads + " heads");
        }
        int headDim = f.integer("head_dim", null, hidden / heads);
        int vocab = f.integer("vocab_size", null, null);
        int ctx = f.integer(gpt2 ? "n_positions" : "max_position_embeddings", "max_position_embeddings", 2048);
        float eps = (float) f.number(gpt2 ? "layer_norm_epsilon" : "rms_norm_eps", gpt2 ? 1e-5 : 1e-6);
        float theta = (float) f.number("rope_theta", 10000.0);
        Map<String, Object> scaling = new LinkedHashMap<>();
        if (root.get("rope_scaling") instanceof JsonNode rs && rs.isObject()) {
            rs.properties().forEach(e -> scaling.put(e.getKey(), plain(e.getValue())));
        }
        boolean tie = root.has("tie_word_embeddings") ? root.get("tie_word_embeddings").asBoolean() : gpt2;
        int bos = root.has("bos_token_id") && root.get("bos_token_id").canConvertToInt()
                ? root.get("bos_token_id").asInt() : -1;
        List<Integer> eos = new ArrayList<>();
        JsonNode e = root.get("eos_token_id");
        if (e != null && e.isArray()) {
            e.forEach(n -> eos.add(n.asInt()));
        } else if (e != null && e.canConvertToInt()) {
            eos.add(e.asInt());
        }
        String act = f.string(gpt2 ? "activation_function" : "hidden_act", gpt2 ? "gelu_new" : "silu");
        String dtype = root.has("torch_dtype") ? root.get("torch_dtype").asText() : null;
        int window = root.has("sliding_window") && root.get("sliding_window").canConvertToInt()
                ? root.get("sliding_window").asInt() : 0;
        return new HfConfig(modelType, List.copyOf(archs), hidden, inter, layers, heads, kv, headDim, vocab, ctx,
                eps, theta, scaling, tie, bos, List.copyOf(eos), act, dtype, window);
    }

    /** {@code rope_scaling.rope_type} (or {@code type}), if any. */
    public Optional<String> ropeScalingType() {
        Object t = ropeScaling.getOrDefault("rope_type", ropeScaling.get("type"));
        return Optional.ofNullable(t).map(Object::toString);
    }

    private static Object plain(JsonNode n) {
        if (n.isIntegralNumber()) {
            return n.asLong();
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        if (n.isBoolean()) {
            return n.asBoolean();
        }
        return n.isNull() ? "null" : n.isValueNode() ? n.asText() : n.toString();
    }

    /** Reads typed fields with a clear error on a wrong type. */
    private record Fields(JsonNode root, String file) {
        int integer(String key, String alt, Integer fallback) {
            JsonNode n = root.get(key);
            if ((n == null || n.isNull()) && alt != null) {
                n = root.get(alt);
            }
            if (n == null || n.isNull()) {
                if (fallback == null) {
                    throw new FormatException(file, key, -1, "required field is missing from config.json");
                }
                return fallback;
            }
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw new FormatException(file, key, -1, "expected an integer, found " + n);
            }
            return n.asInt();
        }

        double number(String key, double fallback) {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isNumber()) {
                throw new FormatException(file, key, -1, "expected a number, found " + n);
            }
            return n.asDouble();
        }

        String string(String key, String fallback) {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isTextual()) {
                throw new FormatException(file, key, -1, "expected a string, found " + n);
            }
            return n.asText();
        }
    }
}
