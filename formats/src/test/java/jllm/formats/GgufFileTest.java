package jllm.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {
    static final String F32 = "fixtures/stories260K/stories260K-f32.gguf";

    @TempDir
    Path tmp;

    @Test
    void readsTheStoriesHeaderAndMetadata() throws IOException {
        try (GgufFile g = GgufFile.open(Shared.file(F32))) {
            assertThat(g.version()).isEqualTo(3);
            assertThat(g.architecture()).isEqualTo("llama");
            GgufMetadata m = g.metadata();
            assertThat(m.getInt("llama.block_count")).isEqualTo(5);
            assertThat(m.getInt("llama.attention.head_count")).isEqualTo(8);
            assertThat(m.getInt("llama.attention.head_count_kv")).isEqualTo(4);
            assertThat(m.getInt("llama.embedding_length")).isEqualTo(64);
            assertThat(m.getInt("llama.context_length")).isEqualTo(128);
            assertThat(m.getFloat("llama.attention.layer_norm_rms_epsilon")).isEqualTo(1e-5f);
            assertThat(m.getStringArray("tokenizer.ggml.tokens")).hasSize(512).contains("<s>", "<0x0A>");
            assertThat(m.getFloatArray("tokenizer.ggml.scores")).hasSize(512);
            assertThat(m.getIntArray("tokenizer.ggml.token_type")).hasSize(512);
            assertThat(m.getLong("tokenizer.ggml.padding_token_id")).isEqualTo(0xFFFFFFFFL);
            assertThat(g.tensors()).hasSize(48);
            TensorData emb = g.tensor("token_embd.weight");
            assertThat(emb.type()).isEqualTo(GgmlType.F32);
            assertThat(emb.shape()).containsExactly(64, 512);
            assertThat(emb.data().byteSize()).isEqualTo(64L * 512 * 4);
            assertThat(g.tensor("blk.4.ffn_down.weight").shape()).containsExactly(172, 64);
            assertThat(g.dataOffset() % g.alignment()).isZero();
        }
    }

    @Test
    void tensorsAreTheSameBytesAsTheLlama2cCheckpoint() throws IOException {
        try (GgufFile g = GgufFile.open(Shared.file(F32));
             Llama2cCheckpoint c = Llama2cCheckpoint.open(Shared.file("fixtures/stories260K/stories260K.bin"))) {
            assertThat(c.config().sharedClassifier()).isTrue();
            assertThat(c.tensors()).hasSize(47);
            for (TensorData t : c.tensors()) {
                TensorData same = g.tensor(t.name());
                assertThat(same.shape()).as(t.name()).containsExactly(t.shape());
                assertThat(same.data().mismatch(t.data())).as(t.name()).isEqualTo(-1);
            }
            // The converter stored the shared classifier as an explicit output.weight.
            assertThat(g.tensor("output.weight").data().mismatch(c.tensor("token_embd.weight").data())).isEqualTo(-1);
        }
    }

    @Test
    void readWriteReadReproducesTheFileByteForByte() throws IOException {
        for (String f : List.of(F32, "fixtures/stories260K/stories260K-q4_0.gguf", "fixtures/quants/codecs.gguf")) {
            Path src = Shared.file(f);
            Path out = tmp.resolve("copy.gguf");
            try (GgufFile g = GgufFile.open(src)) {
                GgufWriter w = new GgufWriter().putAll(g.metadata());
                for (TensorData t : g.tensors()) {
                    w.addTensor(t.name(), t.type(), t.shape(), t.data());
                }
                w.write(out);
                try (GgufFile back = GgufFile.open(out)) {
                    assertThat(back.metadata().asMap()).isEqualTo(g.metadata().asMap());
                    assertThat(back.tensors()).hasSameSizeAs(g.tensors());
                    for (TensorData t : g.tensors()) {
                        TensorData b = back.tensor(t.name());
                        assertThat(b.type()).isEqualTo(t.type());
                        assertThat(b.shape()).containsExactly(t.shape());
                        assertThat(b.data().mismatch(t.data())).isEqualTo(-1);
                    }
                }
            }
            assertThat(Files.mismatch(src, out)).as(f).isEqualTo(-1);
        }
    }

    @Test
    void everyValueTypeAndNestedArraysRoundTrip() throws IOException {
        MetadataValue.Array inner1 = new MetadataValue.Array(GgufValueType.INT16, new long[] {-3, 7});
        MetadataValue.Array inner2 = new MetadataValue.Array(GgufValueType.STRING, new String[] {"a", "ü", ""});
        MetadataValue nested = new MetadataValue(GgufValueType.ARRAY,
                new MetadataValue.Array(GgufValueType.ARRAY, List.of(inner1, inner2)));
        GgufWriter w = new GgufWriter()
                .put("u8", new MetadataValue(GgufValueType.UINT8, 255L))
                .put("i8", new MetadataValue(GgufValueType.INT8, -128L))
                .put("u16", new MetadataValue(GgufValueType.UINT16, 65535L))
                .put("i16", new MetadataValue(GgufValueType.INT16, -32768L))
                .put("u32", MetadataValue.ofUInt32(0xFFFFFFFFL))
                .put("i32", MetadataValue.ofInt32(-5))
                .put("u64", MetadataValue.ofUInt64(1L << 40))
                .put("i64", new MetadataValue(GgufValueType.INT64, Long.MIN_VALUE))
                .put("f32", MetadataValue.ofFloat32(1.5f))
                .put("f64", new MetadataValue(GgufValueType.FLOAT64, Math.PI))
                .put("bool", MetadataValue.ofBool(true))
                .put("str", MetadataValue.ofString("héllo ▁ 🙂"))
                .put("floats", MetadataValue.ofFloats(1f, -2f))
                .put("ints", new MetadataValue(GgufValueType.ARRAY,
                        new MetadataValue.Array(GgufValueType.INT32, new long[] {-7, 0, Integer.MAX_VALUE, Integer.MIN_VALUE})))
                .put("uints", new MetadataValue(GgufValueType.ARRAY,
                        new MetadataValue.Array(GgufValueType.UINT32, new long[] {0xFFFFFFFFL, 1L << 31, 3})))
                .put("bools", new MetadataValue(GgufValueType.ARRAY,
                        new MetadataValue.Array(GgufValueType.BOOL, new boolean[] {true, false})))
                .put("doubles", new MetadataValue(GgufValueType.ARRAY,
                        new MetadataValue.Array(GgufValueType.FLOAT64, new double[] {0.25})))
                .put("nested", nested)
                .put("empty", MetadataValue.ofStrings())
                .put(GgufFile.ALIGNMENT_KEY, MetadataValue.ofUInt32(64));
        w.addTensor("a", new long[] {3}, new float[] {1, 2, 3});
        w.addTensor("b", new long[] {2, 2}, new float[] {4, 5, 6, 7});
        Path out = tmp.resolve("types.gguf");
        w.write(out);
        try (GgufFile g = GgufFile.open(out)) {
            GgufMetadata m = g.metadata();
            assertThat(m.getLong("u8")).isEqualTo(255);
            assertThat(m.getLong("i8")).isEqualTo(-128);
            assertThat(m.getLong("u16")).isEqualTo(65535);
            assertThat(m.getLong("i16")).isEqualTo(-32768);
            assertThat(m.getLong("u32")).isEqualTo(0xFFFFFFFFL);
            assertThat(m.getInt("i32")).isEqualTo(-5);
            assertThat(m.getLong("u64")).isEqualTo(1L << 40);
            assertThat(m.getLong("i64")).isEqualTo(Long.MIN_VALUE);
            assertThat(m.getFloat("f32")).isEqualTo(1.5f);
            assertThat(m.get("f64").value()).isEqualTo(Math.PI);
            assertThat(m.getBoolean("bool")).isTrue();
            assertThat(m.getString("str")).isEqualTo("héllo ▁ 🙂");
            assertThat(m.getFloatArray("floats")).containsExactly(1f, -2f);
            assertThat((long[]) m.getArray("ints").values()).containsExactly(-7, 0, Integer.MAX_VALUE, Integer.MIN_VALUE);
            assertThat((long[]) m.getArray("uints").values()).containsExactly(0xFFFFFFFFL, 1L << 31, 3);
            assertThat(m.get("nested")).isEqualTo(nested);
            assertThat(m.getStringArray("empty")).isEmpty();
            assertThat(g.alignment()).isEqualTo(64);
            assertThat(g.dataOffset() % 64).isZero();
            assertThat(g.tensor("b").data().address() - g.tensor("a").data().address()).isEqualTo(64);
            assertThat(g.tensor("b").data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 3)).isEqualTo(7f);
            assertThat(m.asMap().keySet()).startsWith("u8", "i8", "u16");
        }
    }

    @Test
    void typedAccessorsNameTheKeyOnMissingOrMistypedValues() throws IOException {
        try (GgufFile g = GgufFile.open(Shared.file(F32))) {
            GgufMetadata m = g.metadata();
            assertThatThrownBy(() -> m.getInt("llama.no_such_key"))
                    .isInstanceOf(FormatException.class).hasMessageContaining("llama.no_such_key")
                    .hasMessageContaining("missing");
            assertThatThrownBy(() -> m.getString("llama.block_count"))
                    .isInstanceOf(FormatException.class).hasMessageContaining("llama.block_count")
                    .hasMessageContaining("expected STRING");
            assertThatThrownBy(() -> m.getFloatArray("tokenizer.ggml.tokens"))
                    .isInstanceOf(FormatException.class).hasMessageContaining("array of STRING");
            assertThatThrownBy(() -> m.getInt("tokenizer.ggml.padding_token_id"))
                    .isInstanceOf(FormatException.class).hasMessageContaining("does not fit");
            assertThatThrownBy(() -> g.tensor("blk.9.attn_q.weight"))
                    .isInstanceOf(FormatException.class).hasMessageContaining("blk.9.attn_q.weight");
        }
    }

    @Test
    void rejectsBadHeadersWithTheFieldAndOffset() {
        byte[] good = header(3, 0, 0);
        assertThat(GgufFile.read(MemorySegment.ofArray(good), "ok.gguf").tensors()).isEmpty();

        byte[] magic = good.clone();
        magic[0] = 'X';
        assertThatThrownBy(() -> GgufFile.read(MemorySegment.ofArray(magic), "m.gguf"))
                .isInstanceOf(FormatException.class).hasMessageStartingWith("m.gguf: magic (at byte 0)");
        assertThatThrownBy(() -> GgufFile.read(MemorySegment.ofArray(header(1, 0, 0)), "v1.gguf"))
                .hasMessageContaining("version 1");
        assertThatThrownBy(() -> GgufFile.read(MemorySegment.ofArray(header(Integer.reverseBytes(3), 0, 0)), "be.gguf"))
                .hasMessageContaining("big-endian");
        assertThatThrownBy(() -> GgufFile.read(MemorySegment.ofArray(header(3, 1L << 40, 0)), "n.gguf"))
                .isInstanceOf(FormatException.class).hasMessageContaining("tensor_count").hasMessageContaining("(at byte 8)");
        assertThatThrownBy(() -> GgufFile.read(MemorySegment.ofArray(header(3, 0, -1)), "kv.gguf"))
                .isInstanceOf(FormatException.class).hasMessageContaining("metadata_kv_count");
        assertThatThrownBy(() -> GgufFile.read(MemorySegment.ofArray(new byte[6]), "short.gguf"))
                .isInstanceOf(FormatException.class).hasMessageContaining("magic");
    }

    @Test
    void rejectsUnknownRemovedAndMisalignedTensors() throws IOException {
        Path out = tmp.resolve("t.gguf");
        new GgufWriter().addTensor("w", GgmlType.Q8_0, new long[] {32, 2}, MemorySegment.ofArray(new byte[68])).write(out);
        byte[] bytes = Files.readAllBytes(out);
        int typeAt = 24 + 8 + 1 + 4 + 16; // after header, name "w", n_dims, two dims
        assertThat(bytes[typeAt]).isEqualTo((byte) 8);

        byte[] unknown = bytes.clone();
        unknown[typeAt] = 99;
        assertThatThrownBy(() -> GgufFile.read(MemorySegment.ofArray(unknown), "u.gguf"))
                .hasMessageContaining("tensor 'w'.type").hasMessageContaining("unknown ggml tensor type id 99");
        byte[] removed = bytes.clone();
        removed[typeAt] = 4;
        assertThatThrownBy(() -> GgufFile.read(MemorySegment.ofArray(removed), "r.gguf"))
                .hasMessageContaining("Q4_2").hasMessageContaining("removed");
        byte[] misaligned = bytes.clone();
        misaligned[typeAt + 4] = 4;
        assertThatThrownBy(() -> GgufFile.read(MemorySegment.ofArray(misaligned), "a.gguf"))
                .hasMessageContaining("tensor 'w'.offset").hasMessageContaining("not a multiple of the alignment 32");
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 40); // into the 68 data bytes
        assertThatThrownBy(() -> GgufFile.read(MemorySegment.ofArray(truncated), "tr.gguf"))
                .hasMessageContaining("beyond the end");
        byte[] iq = bytes.clone();
        iq[typeAt] = (byte) GgmlType.IQ2_XS.id();
        iq[typeAt - 16] = 0; // dims[0] = 256 (0x100): a whole IQ2_XS block
        iq[typeAt - 15] = 1;
        iq[typeAt - 8] = 0;  // dims[1] = 0, so no data is needed
        try (GgufFile g = GgufFile.read(MemorySegment.ofArray(iq), "iq.gguf")) {
            assertThat(g.tensor("w").type()).isEqualTo(GgmlType.IQ2_XS); // readable; kernels refuse it later
        }
    }

    @Test
    void everyFixtureModelOpensAndSummarizes() throws IOException {
        Path fixtures = Shared.file("fixtures");
        List<Path> files;
        try (Stream<Path> s = Files.walk(fixtures)) {
            files = s.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(10);
        for (Path p : files) {
            try (ModelFile f = ModelFiles.open(p)) {
                ModelSummary s = ModelSummary.of(f);
                assertThat(s.format()).isEqualTo(ModelFile.Format.GGUF);
                assertThat(s.fileBytes()).isEqualTo(Files.size(p));
            }
        }
    }

    @Test
    void aStringArrayWithALengthPastTheEndNamesTheElement() throws IOException {
        Path out = tmp.resolve("s.gguf");
        new GgufWriter().put("tokenizer.ggml.tokens", MetadataValue.ofStrings("a", "bc", "def")).write(out);
        byte[] bytes = Files.readAllBytes(out);
        // header (24) + key (8 + 21) + value type (4) + element type (4) + count (8) + "a" (8 + 1): element 1's length
        int at = 24 + 8 + "tokenizer.ggml.tokens".length() + 4 + 4 + 8 + 8 + 1;
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(at, 1L << 40);
        assertThatThrownBy(() -> GgufFile.read(MemorySegment.ofArray(bytes), "s.gguf"))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("'tokenizer.ggml.tokens'[1].length").hasMessageContaining("(at byte " + at + ")")
                .hasMessageContaining("cannot fit");
        // Cut inside element 1's length, past the 2 x 8 bytes the array's own count check asks for.
        new GgufWriter().put("tokenizer.ggml.tokens", MetadataValue.ofStrings("a".repeat(20), "b")).write(out);
        int at1 = 24 + 8 + "tokenizer.ggml.tokens".length() + 4 + 4 + 8 + 8 + 20;
        byte[] cut = java.util.Arrays.copyOf(Files.readAllBytes(out), at1 + 4);
        assertThatThrownBy(() -> GgufFile.read(MemorySegment.ofArray(cut), "cut.gguf"))
                .isInstanceOf(FormatException.class).hasMessageContaining("'tokenizer.ggml.tokens'[1].length")
                .hasMessageContaining("truncated");
    }

    static byte[] header(int version, long tensors, long kvs) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(GgufFile.MAGIC).putInt(version).putLong(tensors).putLong(kvs);
        return b.array();
    }
}
