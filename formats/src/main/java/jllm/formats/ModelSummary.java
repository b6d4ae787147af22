package jllm.formats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What {@code jllm info} reports about a model file: its shape, RoPE settings, tensor types,
 * tokenizer and size, read from whichever conventions the format uses (GGUF metadata keys,
 * config.json, or a llama2.c header). Absent values are -1 (numbers) or null (strings).
 *
 * @param format            the file format
 * @param architecture      e.g. "llama", "qwen2", "gpt2"
 * @param name              {@code general.name} or the folder name, may be null
 * @param parameters        total elements over all tensors
 * @param layers            decoder blocks
 * @param heads             attention heads
 * @param kvHeads           key/value heads
 * @param embeddingLength   model width
 * @param feedForwardLength feed-forward width
 * @param contextLength     trained context length
 * @param vocabSize         vocabulary size
 * @param ropeDimensions    rotated dimensions per head (-1 when the model has no RoPE)
 * @param ropeFreqBase      RoPE base frequency
 * @param ropeScaling       RoPE scaling type ("none", "linear", "yarn", "llama3", ...)
 * @param normEpsilon       RMSNorm/LayerNorm epsilon
 * @param tensorTypes       type name -> number of tensors, sorted by name
 * @param tokenizerKind     "llama" (SentencePiece BPE), "gpt2" (byte-level BPE), ..., or null
 * @param tokenizerSize     tokens in the tokenizer, or -1
 * @param bosId             beginning-of-sequence id, or -1
 * @param eosId             end-of-sequence id, or -1
 * @param unkId             unknown-token id, or -1
 * @param padId             padding id, or -1
 * @param eotId             end-of-turn id, or -1
 * @param hasChatTemplate   whether a chat template is stored with the model
 * @param fileBytes         bytes on disk
 */
public record ModelSummary(ModelFile.Format format, String architecture, String name, long parameters,
                           int layers, int heads, int kvHeads, int embeddingLength, int feedForwardLength,
                           int contextLength, int vocabSize, int ropeDimensions, float ropeFreqBase,
                           String ropeScaling, float normEpsilon, Map<String, Integer> tensorTypes,
                           String tokenizerKind, int tokenizerSize, int bosId, int eosId, int unkId, int padId,
                           int eotId, boolean hasChatTemplate, long fileBytes) {

    /** Summarizes an open model file. */
    public static ModelSummary of(ModelFile file) throws IOException {
        return switch (file) {
            case GgufFile g -> ofGguf(g);
            case SafetensorsModel s -> ofSafetensors(s);
            case Llama2cCheckpoint c -> ofLlama2c(c);
            default -> throw new IllegalArgumentException("unknown model file " + file.getClass());
        };
    }

    private static long parameters(ModelFile f) {
        long n = 0;
        for (TensorData t : f.tensors()) {
            n += t.elementCount();
        }
        return n;
    }

    private static Map<String, Integer> tensorTypes(ModelFile f) {
        Map<String, Integer> m = new TreeMap<>();
        for (TensorData t : f.tensors()) {
            m.merge(t.type().name(), 1, Integer::sum);
        }
        return m;
    }

    private static ModelSummary ofGguf(GgufFile g) {
        GgufMetadata m = g.metadata();
        String arch = m.findString("general.architecture").orElse(null);
        String p = arch + ".";
        int heads = perLayerMax(m, p + "attention.head_count");
        int kv = m.contains(p + "attention.head_count_kv") ? perLayerMax(m, p + "attention.head_count_kv") : heads;
        int embd = m.findInt(p + "embedding_length").orElse(-1);
        int tokens = m.findArray("tokenizer.ggml.tokens").map(MetadataValue.Array::length).orElse(-1);
        int vocab = m.findInt(p + "vocab_size").orElse(tokens);
        if (vocab < 0 && g.tensorMap().get("token_embd.weight") instanceof TensorData emb && emb.rank() == 2) {
            vocab = (int) emb.dim(1);
        }
        int ropeDims = m.findInt(p + "rope.dimension_count")
                .orElse(heads > 0 && embd > 0 && !"gpt2".equals(arch) ? embd / heads : -1);
        float eps = m.findFloat(p + "attention.layer_norm_rms_epsilon")
                .or(() -> m.findFloat(p + "attention.layer_norm_epsilon")).orElse(-1f);
        return new ModelSummary(ModelFile.Format.GGUF, arch, m.findString("general.name").orElse(null),
                parameters(g), m.findInt(p + "block_count").orElse(-1), heads, kv, embd,
                perLayerMax(m, p + "feed_forward_length"), m.findInt(p + "context_length").orElse(-1), vocab,
                ropeDims, ropeDims < 0 ? -1 : m.findFloat(p + "rope.freq_base").orElse(10000f),
                m.findString(p + "rope.scaling.type").orElse(g.tensorMap().containsKey("rope_freqs.weight")
                        ? "llama3" : "none"),
                eps, tensorTypes(g), m.findString("tokenizer.ggml.model").orElse(null), tokens,
                id(m, "tokenizer.ggml.bos_token_id"), id(m, "tokenizer.ggml.eos_token_id"),
                id(m, "tokenizer.ggml.unknown_token_id"), id(m, "tokenizer.ggml.padding_token_id"),
                id(m, "tokenizer.ggml.eot_token_id"), m.contains("tokenizer.chat_template"), g.fileBytes());
    }

    /** A per-model count, or the largest of per-layer counts when the file stores an array. */
    private static int perLayerMax(GgufMetadata m, String key) {
        if (m.find(key).map(v -> v.type() == GgufValueType.ARRAY).orElse(false)) {
            int max = -1;
            for (int v : m.getIntArray(key)) {
                max = Math.max(max, v);
            }
            return max;
        }
        return m.findInt(key).orElse(-1);
    }

    /** A token id; ids of 0xFFFFFFFF (llama.cpp's "none") read as -1. */
    private static int id(GgufMetadata m, String key) {
        return m.findLong(key).map(v -> v < 0 || v >= Integer.MAX_VALUE ? -1 : v.intValue()).orElse(-1);
    }

    private static ModelSummary ofLlama2c(Llama2cCheckpoint c) {
        Llama2cCheckpoint.Config k = c.config();
        return new ModelSummary(ModelFile.Format.LLAMA2C, "llama", c.path().getFileName().toString(), parameters(c),
                k.layers(), k.heads(), k.kvHeads(), k.dim(), k.hiddenDim(), k.seqLen(), k.vocabSize(),
                k.headSize(), 10000f, "none", 1e-5f, tensorTypes(c), null, -1, 1, 2, 0, -1, -1, false,
                c.fileBytes());
    }

    private static ModelSummary ofSafetensors(SafetensorsModel s) throws IOException {
        HfConfig c = s.config().orElseThrow(() -> new FormatException(s.path(), "config.json", -1,
                "no config.json beside the weights; jllm needs it to know the model's shape"));
        Path dir = Files.isDirectory(s.path()) ? s.path() : s.path().toAbsolutePath().getParent();
        Optional<HfTokenizerInfo> tok = HfTokenizerInfo.read(dir);
        boolean gpt2 = c.modelType().equals("gpt2");
        return new ModelSummary(ModelFile.Format.SAFETENSORS, c.modelType(), dir.getFileName().toString(),
                parameters(s), c.layers(), c.heads(), c.kvHeads(), c.hiddenSize(), c.intermediateSize(),
                c.contextLength(), c.vocabSize(), gpt2 ? -1 : c.headDim(), gpt2 ? -1 : c.ropeTheta(),
                c.ropeScalingType().orElse("none"), c.normEps(), tensorTypes(s),
                tok.map(HfTokenizerInfo::kind).orElse(null), tok.map(HfTokenizerInfo::size).orElse(-1),
                c.bosTokenId(), c.eosTokenIds().isEmpty() ? -1 : c.eosTokenIds().getFirst(), -1, -1, -1,
                tok.map(HfTokenizerInfo::hasChatTemplate).orElse(false), s.fileBytes());
    }
}
