package jllm.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jllm.formats.quant.QuantCodecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path tmp;

    static final String CONFIG = """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
             "intermediate_size": 172, "num_hidden_layers": 5, "num_attention_heads": 8,
             "num_key_value_heads": 4, "vocab_size": 512, "max_position_embeddings": 512,
             "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "tie_word_embeddings": true,
             "bos_token_id": 1, "eos_token_id": [2, 3], "torch_dtype": "float32",
             "rope_scaling": {"rope_type": "llama3", "factor": 8.0}}
            """;

    @Test
    void writeThenReadKeepsDtypesShapesAndBytes() throws IOException {
        float[] w = new float[6 * 4];
        for (int i = 0; i < w.length; i++) {
            w[i] = i * 0.5f - 3;
        }
        MemorySegment f16 = MemorySegment.ofArray(new byte[w.length * 2]);
        MemorySegment bf16 = MemorySegment.ofArray(new byte[w.length * 2]);
        QuantCodecs.quantize(GgmlType.F16, w, 0, w.length, f16, 0);
        QuantCodecs.quantize(GgmlType.BF16, w, 0, w.length, bf16, 0);
        Path file = tmp.resolve("model.safetensors");
        new SafetensorsWriter().metadata("format", "pt")
                .add("a.weight", new long[] {4, 6}, w)
                .add("b.weight", GgmlType.F16, new long[] {4, 6}, f16)
                .add("c.weight", GgmlType.BF16, new long[] {24}, bf16)
                .write(file);
        String header = new String(Files.readAllBytes(file), 8, 300, StandardCharsets.UTF_8);
        assertThat(header).contains("\"shape\":[6,4]"); // row-major on disk
        try (SafetensorsFile s = SafetensorsFile.open(file)) {
            assertThat(s.metadata()).containsEntry("format", "pt");
            assertThat(s.tensor("a.weight").shape()).containsExactly(4, 6);
            assertThat(s.tensor("a.weight").data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 23)).isEqualTo(w[23]);
            assertThat(s.tensor("b.weight").type()).isEqualTo(GgmlType.F16);
            assertThat(s.tensor("b.weight").data().mismatch(f16)).isEqualTo(-1);
            assertThat(s.tensor("c.weight").type()).isEqualTo(GgmlType.BF16);
            assertThat(s.tensor("c.weight").data().mismatch(bf16)).isEqualTo(-1);
            assertThat((8 + s.tensor("a.weight").data().address() - s.tensor("a.weight").data().address()) % 8).isZero();
        }
    }

    @Test
    void opensShardedFoldersWithTheirConfig() throws IOException {
        new SafetensorsWriter().add("x", new long[] {2}, new float[] {1, 2}).write(tmp.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().add("y", new long[] {3}, new float[] {3, 4, 5}).write(tmp.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(tmp.resolve(SafetensorsModel.INDEX), """
                {"metadata": {"total_size": 20}, "weight_map": {
                  "x": "model-00001-of-00002.safetensors", "y": "model-00002-of-00002.safetensors"}}""");
        Files.writeString(tmp.resolve("config.json"), CONFIG);
        try (ModelFile m = ModelFiles.open(tmp)) {
            assertThat(m).isInstanceOf(SafetensorsModel.class);
            assertThat(m.tensorMap().keySet()).containsExactly("x", "y");
            assertThat(m.tensor("y").data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 2)).isEqualTo(5f);
            HfConfig c = ((SafetensorsModel) m).config().orElseThrow();
            assertThat(c.kvHeads()).isEqualTo(4);
            assertThat(c.headDim()).isEqualTo(8);
            assertThat(c.eosTokenIds()).containsExactly(2, 3);
            assertThat(c.ropeScalingType()).contains("llama3");
            ModelSummary s = ModelSummary.of(m);
            assertThat(s.layers()).isEqualTo(5);
            assertThat(s.parameters()).isEqualTo(5);
            assertThat(s.ropeScaling()).isEqualTo("llama3");
        }
        Files.delete(tmp.resolve("model-00002-of-00002.safetensors"));
        assertThatThrownBy(() -> ModelFiles.open(tmp)).isInstanceOf(FormatException.class)
                .hasMessageContaining("model-00002-of-00002.safetensors");
    }

    @Test
    void gpt2ConfigNamesMapToTheSameFields() {
        HfConfig c = HfConfig.parse("""
                {"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12, "n_positions": 1024,
                 "vocab_size": 50257, "layer_norm_epsilon": 1e-5}""", "gpt2/config.json");
        assertThat(c.hiddenSize()).isEqualTo(768);
        assertThat(c.intermediateSize()).isEqualTo(3072);
        assertThat(c.contextLength()).isEqualTo(1024);
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThatThrownBy(() -> HfConfig.parse("{\"model_type\": \"llama\", \"hidden_size\": 64}", "c.json"))
                .isInstanceOf(FormatException.class).hasMessageContaining("num_hidden_layers").hasMessageContaining("missing");
        assertThatThrownBy(() -> HfConfig.parse("{\"hidden_size\": \"big\"", "bad.json"))
                .isInstanceOf(FormatException.class).hasMessageContaining("malformed JSON");
    }

    @Test
    void rejectsBadHeadersAndRanges() {
        assertThatThrownBy(() -> read("{\"t\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 4))
                .isInstanceOf(FormatException.class).hasMessageContaining("tensor 't'.data_offsets")
                .hasMessageContaining("outside");
        assertThatThrownBy(() -> read("{\"t\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8))
                .hasMessageContaining("does not match");
        assertThatThrownBy(() -> read("{\"t\": {\"dtype\": \"F8_E4M3\", \"shape\": [8], \"data_offsets\": [0, 8]}}", 8))
                .hasMessageContaining("F8_E4M3, which jllm does not support yet");
        assertThatThrownBy(() -> read("{\"t\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", 8))
                .hasMessageContaining("shape[0]");
        assertThatThrownBy(() -> read("[1, 2]", 0)).hasMessageContaining("not an object");
        assertThatThrownBy(() -> read("{\"t\": ", 0)).hasMessageContaining("malformed JSON");
        byte[] huge = new byte[16];
        huge[7] = 0x10;
        assertThatThrownBy(() -> SafetensorsFile.read(MemorySegment.ofArray(huge), "h.safetensors"))
                .isInstanceOf(FormatException.class).hasMessageContaining("header_size (at byte 0)");
    }

    private static SafetensorsFile read(String json, int dataBytes) {
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + j.length + dataBytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(j.length).put(j);
        return SafetensorsFile.read(MemorySegment.ofArray(b.array()), "x.safetensors");
    }
}
