package jllm.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import jllm.engine.model.ModelConfig.Architecture;
import jllm.engine.model.ModelConfig.Norm;
import jllm.engine.model.ModelConfig.Rope;
import jllm.formats.AtomicFiles;
import jllm.formats.GgmlType;
import jllm.formats.GgufWriter;
import jllm.formats.MetadataValue;
import jllm.formats.SafetensorsWriter;
import jllm.formats.quant.QuantCodecs;

/**
 * Writes float32 weights under llama.cpp names as a GGUF file (llama.cpp's metadata keys and
 * conventions) or as a Hugging Face folder ({@code model.safetensors} + {@code config.json}).
 * Weights are in the GGUF convention of their architecture; the HF export undoes llama.cpp's Q/K
 * row permutation for adjacent-pair RoPE and transposes GPT-2's Conv1D weights.
 */
public final class ModelExporter {
    private ModelExporter() {}

    /** Fills row {@code row} ({@code columns} floats) of a tensor into {@code out[off..]}. */
    @FunctionalInterface
    public interface RowSource {
        void row(int row, float[] out, int off);
    }

    /** A tensor to write, produced row by row (so it never has to sit on the heap whole). */
    public record TensorSource(String name, long[] shape, RowSource rows) {
        public int columns() { return (int) shape[0]; }

        public int rowCount() { return shape.length == 1 ? 1 : (int) (shape[1] * (shape.length > 2 ? shape[2] : 1)); }

        static TensorSource of(NamedTensor t) {
            int cols = t.columns();
            return new TensorSource(t.name(), t.shape(), (r, out, off) -> System.arraycopy(t.values(), r * cols, out, off, cols));
        }
    }

    /**
     * Writes a GGUF model from float32 weights.
     *
     * @param plan  the type of each tensor (e.g. {@code QuantizationPlan.parse("q4_k_m")})
     * @param extra more metadata (the tokenizer's keys, general.name, ...)
     */
    public static void writeGguf(Path out, ModelConfig c, Collection<NamedTensor> tensors, QuantizationPlan plan,
                                 Map<String, MetadataValue> extra) throws IOException {
        Map<String, NamedTensor> byName = new LinkedHashMap<>();
        tensors.forEach(t -> byName.put(t.name(), t));
        if (c.architecture() == Architecture.GPT2) {
            fuseQkv(c, byName);
        }
        writeGgufStreaming(out, c, byName.values().stream().map(TensorSource::of).toList(), plan, extra);
    }

    /** Float32 GGUF (tests, exports of trained models). */
    public static void writeGguf(Path out, ModelConfig c, Collection<NamedTensor> tensors, GgmlType matrixType,
                                 Map<String, MetadataValue> extra) throws IOException {
        writeGguf(out, c, tensors, QuantizationPlan.parse(matrixType.name()), extra);
    }

    /** Writes a GGUF model whose tensors are produced row by row, quantizing each row as it comes. */
    public static void writeGgufStreaming(Path out, ModelConfig c, List<TensorSource> tensors, QuantizationPlan plan,
                                          Map<String, MetadataValue> extra) throws IOException {
        GgufWriter w = new GgufWriter();
        metadata(w, c, plan);
        extra.forEach(w::put);
        boolean hasOutput = tensors.stream().anyMatch(t -> t.name().equals("output.weight"));
        List<TensorSource> all = new java.util.ArrayList<>(tensors);
        if (c.ropeFreqFactors() != null && all.stream().noneMatch(t -> t.name().equals("rope_freqs.weight"))) {
            float[] f = java.util.Arrays.copyOf(c.ropeFreqFactors(), c.ropeDims() / 2);
            all.add(TensorSource.of(new NamedTensor("rope_freqs.weight", new long[] {f.length}, f)));
        }
        for (TensorSource t : all) {
            GgmlType type = plan.typeFor(t.name(), t.shape(), hasOutput, c.layers());
            w.addTensor(t.name(), type, t.shape(), seg -> encode(type, t, seg));
        }
        w.write(out);
    }

    private static void metadata(GgufWriter w, ModelConfig c, QuantizationPlan plan) {
        String arch = archName(c);
        String p = arch + ".";
        w.put("general.architecture", MetadataValue.ofString(arch));
        w.put("general.file_type", MetadataValue.ofUInt32(plan.fileType()));
        w.put(p + "context_length", MetadataValue.ofUInt32(c.contextLength()));
        w.put(p + "embedding_length", MetadataValue.ofUInt32(c.dim()));
        w.put(p + "block_count", MetadataValue.ofUInt32(c.layers()));
        w.put(p + "feed_forward_length", MetadataValue.ofUInt32(c.ffnDim()));
        w.put(p + "attention.head_count", MetadataValue.ofUInt32(c.heads()));
        w.put(p + "attention.head_count_kv", MetadataValue.ofUInt32(c.kvHeads()));
        if (c.headDim() != c.dim() / c.heads()) {
            w.put(p + "attention.key_length", MetadataValue.ofUInt32(c.headDim()));
            w.put(p + "attention.value_length", MetadataValue.ofUInt32(c.headDim()));
        }
        w.put(p + (c.norm() == Norm.RMS ? "attention.layer_norm_rms_epsilon" : "attention.layer_norm_epsilon"),
                MetadataValue.ofFloat32(c.normEps()));
        if (c.rope() != Rope.NONE) {
            w.put(p + "rope.dimension_count", MetadataValue.ofUInt32(c.ropeDims()));
            w.put(p + "rope.freq_base", MetadataValue.ofFloat32(c.ropeBase()));
            if (c.ropeScale() != 1f) {
                w.put(p + "rope.scaling.type", MetadataValue.ofString("linear"));
                w.put(p + "rope.scaling.factor", MetadataValue.ofFloat32(1f / c.ropeScale()));
            }
        }
    }

    private static void encode(GgmlType type, TensorSource t, MemorySegment dst) {
        int cols = t.columns();
        long rowBytes = type.rowBytes(cols);
        float[] row = new float[cols];
        for (int r = 0; r < t.rowCount(); r++) {
            t.rows().row(r, row, 0);
            QuantCodecs.quantize(type, row, 0, cols, dst, r * rowBytes);
        }
    }

    /** GPT-2 GGUF files store Q, K and V as one attn_qkv matrix (rows q, then k, then v). */
    private static void fuseQkv(ModelConfig c, Map<String, NamedTensor> m) {
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            for (String kind : new String[] {"weight", "bias"}) {
                NamedTensor q = m.remove(p + "attn_q." + kind);
                NamedTensor k = m.remove(p + "attn_k." + kind);
                NamedTensor v = m.remove(p + "attn_v." + kind);
                if (q == null) {
                    continue;
                }
                float[] all = new float[q.values().length + k.values().length + v.values().length];
                System.arraycopy(q.values(), 0, all, 0, q.values().length);
                System.arraycopy(k.values(), 0, all, q.values().length, k.values().length);
                System.arraycopy(v.values(), 0, all, q.values().length + k.values().length, v.values().length);
                long[] shape = kind.equals("weight") ? new long[] {c.dim(), c.qDim() + 2L * c.kvDim()}
                        : new long[] {c.qDim() + 2L * c.kvDim()};
                m.put(p + "attn_qkv." + kind, new NamedTensor(p + "attn_qkv." + kind, shape, all));
            }
        }
    }

    static String archName(ModelConfig c) {
        return switch (c.architecture()) {
            case LLAMA -> "llama";
            case QWEN2 -> "qwen2";
            case GPT2 -> "gpt2";
        };
    }

    /** Writes {@code dir/model.safetensors} and {@code dir/config.json} (F32). */
    public static void writeHuggingFace(Path dir, ModelConfig c, Collection<NamedTensor> tensors) throws IOException {
        Files.createDirectories(dir);
        boolean gpt2 = c.architecture() == Architecture.GPT2;
        boolean tied = tensors.stream().noneMatch(t -> t.name().equals("output.weight"));
        Map<String, NamedTensor> byName = new LinkedHashMap<>();
        tensors.forEach(t -> byName.put(t.name(), t));
        if (gpt2) {
            fuseQkv(c, byName); // HF GPT-2 keeps Q, K and V in one c_attn, like GGUF
        }
        SafetensorsWriter st = new SafetensorsWriter().metadata("format", "pt");
        for (NamedTensor t : byName.values()) {
            String hf = gpt2 ? gpt2Name(t.name()) : llamaName(t.name());
            float[] v = t.values();
            long[] shape = t.shape();
            if (!gpt2 && c.rope() == Rope.ADJACENT && (t.name().endsWith("attn_q.weight") || t.name().endsWith("attn_k.weight"))) {
                v = unpermute(v, t.columns(), c.headDim());
            }
            if (gpt2 && shape.length == 2 && t.name().startsWith("blk.")) { // Conv1D: stored [in, out]
                v = transpose(v, t.rows(), t.columns());
                shape = new long[] {shape[1], shape[0]};
            }
            st.add(hf, GgmlType.F32, shape, MemorySegment.ofArray(v));
        }
        st.write(dir.resolve("model.safetensors"));
        AtomicFiles.write(dir.resolve("config.json"), configJson(c, tied).getBytes(StandardCharsets.UTF_8));
    }

    static String configJson(ModelConfig c, boolean tied) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        if (c.architecture() == Architecture.GPT2) {
            o.putArray("architectures").add("GPT2LMHeadModel");
            o.put("model_type", "gpt2");
            o.put("n_embd", c.dim());
            o.put("n_layer", c.layers());
            o.put("n_head", c.heads());
            o.put("n_inner", c.ffnDim());
            o.put("n_positions", c.contextLength());
            o.put("vocab_size", c.vocabSize());
            o.put("layer_norm_epsilon", c.normEps());
            o.put("activation_function", "gelu_new");
            o.put("tie_word_embeddings", tied);
        } else {
            boolean qwen = c.architecture() == Architecture.QWEN2;
            o.putArray("architectures").add(qwen ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
            o.put("model_type", qwen ? "qwen2" : "llama");
            o.put("hidden_size", c.dim());
            o.put("intermediate_size", c.ffnDim());
            o.put("num_hidden_layers", c.layers());
            o.put("num_attention_heads", c.heads());
            o.put("num_key_value_heads", c.kvHeads());
            o.put("head_dim", c.headDim());
            o.put("vocab_size", c.vocabSize());
            o.put("max_position_embeddings", c.contextLength());
            o.put("rms_norm_eps", c.normEps());
            o.put("rope_theta", c.ropeBase());
            o.put("hidden_act", "silu");
            o.put("tie_word_embeddings", tied);
            if (c.ropeScale() != 1f) {
                o.putObject("rope_scaling").put("rope_type", "linear").put("factor", 1f / c.ropeScale());
            }
        }
        o.put("torch_dtype", "float32");
        return json.writerWithDefaultPrettyPrinter().writeValueAsString(o);
    }

    /** Inverse of llama.cpp's permute(): rows (2j, 2j+1) of each head go back to (j, j + half). */
    static float[] unpermute(float[] w, int cols, int headDim) {
        float[] out = new float[w.length];
        int rows = w.length / cols, half = headDim / 2;
        for (int r = 0; r < rows; r++) {
            int head = r / headDim, i = r % headDim;
            int src = head * headDim + (i < half ? 2 * i : 2 * (i - half) + 1);
            System.arraycopy(w, src * cols, out, r * cols, cols);
        }
        return out;
    }

    static float[] transpose(float[] v, int rows, int cols) {
        float[] out = new float[v.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = v[r * cols + c];
            }
        }
        return out;
    }

    private static String llamaName(String n) {
        return switch (n) {
            case "token_embd.weight" -> "model.embed_tokens.weight";
            case "output_norm.weight" -> "model.norm.weight";
            case "output.weight" -> "lm_head.weight";
            default -> {
                int dot = n.indexOf('.', 4);
                yield "model.layers." + n.substring(4, dot) + "." + n.substring(dot + 1)
                        .replace("attn_norm", "input_layernorm").replace("ffn_norm", "post_attention_layernorm")
                        .replace("attn_q", "self_attn.q_proj").replace("attn_k", "self_attn.k_proj")
                        .replace("attn_v", "self_attn.v_proj").replace("attn_output", "self_attn.o_proj")
                        .replace("ffn_gate", "mlp.gate_proj").replace("ffn_up", "mlp.up_proj")
                        .replace("ffn_down", "mlp.down_proj");
            }
        };
    }

    private static String gpt2Name(String n) {
        return switch (n) {
            case "token_embd.weight" -> "wte.weight";
            case "position_embd.weight" -> "wpe.weight";
            case "output_norm.weight" -> "ln_f.weight";
            case "output_norm.bias" -> "ln_f.bias";
            case "output.weight" -> "lm_head.weight";
            default -> {
                int dot = n.indexOf('.', 4);
                yield "h." + n.substring(4, dot) + "." + n.substring(dot + 1)
                        .replace("attn_norm", "ln_1").replace("ffn_norm", "ln_2")
                        .replace("attn_qkv", "attn.c_attn").replace("attn_output", "attn.c_proj")
                        .replace("ffn_up", "mlp.c_fc").replace("ffn_down", "mlp.c_proj");
            }
        };
    }
}
