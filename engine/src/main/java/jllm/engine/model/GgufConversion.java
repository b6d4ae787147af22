package jllm.engine.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jllm.engine.model.ModelConfig.Architecture;
import jllm.engine.model.ModelConfig.Rope;
import jllm.formats.FormatException;
import jllm.formats.GgufFile;
import jllm.formats.GgufWriter;
import jllm.formats.HfConfig;
import jllm.formats.MetadataValue;
import jllm.formats.ModelFile;
import jllm.formats.ModelFiles;
import jllm.formats.SafetensorsModel;
import jllm.formats.TensorData;
import jllm.formats.quant.QuantCodecs;
import jllm.formats.tokenizer.GgufVocabulary;
import jllm.formats.tokenizer.Vocabularies;

/**
 * {@code jllm quantize}: rewrites a GGUF model, or converts a Hugging Face safetensors model, to a
 * GGUF file of another type. Tensors are decoded and re-encoded row by row, so memory use stays
 * at a row, whatever the model's size. HF LLaMA weights get llama.cpp's Q/K row permutation
 * (adjacent-pair RoPE in GGUF), GPT-2's Conv1D weights come back transposed and Q/K/V fused.
 */
public final class GgufConversion {
    private GgufConversion() {}

    public static void quantize(Path in, Path out, QuantizationPlan plan) throws IOException {
        try (ModelFile f = ModelFiles.open(in)) {
            switch (f) {
                case GgufFile g -> fromGguf(g, out, plan);
                case SafetensorsModel s -> fromHf(s, in, out, plan);
                default -> throw new FormatException(in, "format", -1, "quantize reads GGUF or safetensors models");
            }
        }
    }

    private static void fromGguf(GgufFile g, Path out, QuantizationPlan plan) throws IOException {
        ModelConfig c = ModelLoader.ggufConfig(g);
        Map<String, MetadataValue> meta = new LinkedHashMap<>(g.metadata().asMap());
        meta.remove("general.file_type");
        meta.remove(GgufFile.ALIGNMENT_KEY);
        List<ModelExporter.TensorSource> sources = new ArrayList<>();
        for (TensorData t : g.tensors()) {
            sources.add(decoded(t.name(), t));
        }
        writeWithMetadata(out, c, sources, plan, meta);
    }

    private static void fromHf(SafetensorsModel s, Path in, Path out, QuantizationPlan plan) throws IOException {
        HfConfig hf = s.config().orElseThrow(() -> new FormatException(s.path(), "config.json", -1, "is missing"));
        ModelConfig c = ModelLoader.hfConfig(hf, s);
        boolean llama = c.architecture() == Architecture.LLAMA;
        if (llama) { // GGUF "llama" means adjacent-pair RoPE on permuted Q/K rows
            c = new ModelConfig(c.architecture(), c.dim(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.ffnDim(),
                    c.vocabSize(), c.contextLength(), c.norm(), c.normEps(), Rope.ADJACENT, c.ropeDims(), c.ropeBase(),
                    c.ropeScale(), c.ropeFreqFactors(), c.mlp(), c.qkvBias(), c.allBiases());
        }
        Map<String, TensorData> named = ModelLoader.hfNames(c, s.tensorMap());
        List<ModelExporter.TensorSource> sources = new ArrayList<>();
        for (Map.Entry<String, TensorData> e : named.entrySet()) {
            String n = e.getKey();
            ModelExporter.TensorSource src = decoded(n, e.getValue());
            if (llama && (n.endsWith("attn_q.weight") || n.endsWith("attn_k.weight"))) {
                src = permuted(src, c.headDim());
            }
            sources.add(src);
        }
        Map<String, MetadataValue> meta = new LinkedHashMap<>();
        Path dir = Files.isDirectory(in) ? in : in.toAbsolutePath().getParent();
        meta.put("general.name", MetadataValue.ofString(dir.getFileName().toString()));
        if (Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            GgufWriter tok = new GgufWriter();
            GgufVocabulary.write(Vocabularies.read(dir), tok);
            meta.putAll(tok.metadata());
        }
        writeWithMetadata(out, c, sources, plan, meta);
    }

    private static void writeWithMetadata(Path out, ModelConfig c, List<ModelExporter.TensorSource> sources,
                                          QuantizationPlan plan, Map<String, MetadataValue> meta) throws IOException {
        ModelExporter.writeGgufStreaming(out, c, sources, plan, meta);
    }

    /** Rows of a stored tensor, decoded to float. */
    private static ModelExporter.TensorSource decoded(String name, TensorData t) {
        if (!QuantCodecs.canDequantize(t.type())) {
            throw new FormatException(name, "tensor '" + name + "'", -1, "has type " + t.type()
                    + ", which jllm does not support yet");
        }
        int cols = (int) t.columns();
        long rowBytes = t.rowBytes();
        return new ModelExporter.TensorSource(name, t.shape(),
                (r, out, off) -> QuantCodecs.dequantize(t.type(), t.data(), r * rowBytes, out, off, cols));
    }

    /** llama.cpp's permute(): within each head, rows (j, j + half) become (2j, 2j + 1). */
    private static ModelExporter.TensorSource permuted(ModelExporter.TensorSource s, int headDim) {
        int half = headDim / 2;
        return new ModelExporter.TensorSource(s.name(), s.shape(), (r, out, off) -> {
            int head = r / headDim, i = r % headDim;
            int src = head * headDim + (i % 2 == 0 ? i / 2 : half + i / 2);
            s.rows().row(src, out, off);
        });
    }
}
