package jllm.formats.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import jllm.formats.GgmlType;
import jllm.formats.GgufFile;
import jllm.formats.TensorData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bit-exactness against ggml, using shared/fixtures/quants (see its README): decoders against
 * ggml's dequantized floats, encoders against ggml's reference quantizer bytes, and dot products
 * of decoded rows against ggml's float64 reference.
 */
class QuantCodecsFixtureTest {
    static final int ROWS = 8;
    static final int COLS = 512;

    static GgufFile codecs;
    static float[] source;

    @BeforeAll
    static void open() throws IOException {
        Path p = QuantFixtures.fixture("quants/codecs.gguf");
        codecs = GgufFile.open(p);
        TensorData s = codecs.tensor("source");
        assertThat(s.type()).isEqualTo(GgmlType.F32);
        assertThat(s.shape()).containsExactly(COLS, ROWS);
        source = new float[ROWS * COLS];
        QuantCodecs.dequantize(GgmlType.F32, s.data(), 0, source, 0, source.length);
    }

    @AfterAll
    static void close() {
        if (codecs != null) {
            codecs.close();
        }
    }

    static GgmlType typeNamed(String ggmlName) {
        for (GgmlType t : GgmlType.values()) {
            if (t.ggmlName().equals(ggmlName)) {
                return t;
            }
        }
        throw new IllegalArgumentException(ggmlName);
    }

    /** dequantize(tensor) is bit-identical to ggml's to_float, for every row. */
    @ParameterizedTest
    @ValueSource(strings = {"f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1",
            "q2_K", "q3_K", "q4_K", "q5_K", "q6_K"})
    void dequantizeIsBitExactToGgml(String name) throws IOException {
        TensorData t = codecs.tensor(name);
        GgmlType type = typeNamed(name);
        assertThat(t.type()).isEqualTo(type);
        assertThat(QuantCodecs.canDequantize(type)).isTrue();
        float[] expected = QuantFixtures.readFloats(QuantFixtures.fixture("quants/dequant/" + name + ".f32"));
        assertThat(expected).hasSize(ROWS * COLS);

        // Row by row, through the row offsets, as an engine would call it.
        float[] got = new float[ROWS * COLS];
        for (int r = 0; r < ROWS; r++) {
            QuantCodecs.dequantize(type, t.data(), r * type.rowBytes(COLS), got, r * COLS, COLS);
        }
        assertBitsEqual(name, got, expected);

        // The whole tensor in one call gives the same.
        float[] whole = new float[ROWS * COLS];
        QuantCodecs.dequantize(type, t.data(), 0, whole, 0, whole.length);
        assertBitsEqual(name + " (one call)", whole, expected);

        // Row 2 of the source is all zero: it decodes to exactly zero in every type.
        for (int c = 0; c < COLS; c++) {
            assertThat(got[2 * COLS + c] == 0f).as("%s row 2 col %d = %s", name, c, got[2 * COLS + c]).isTrue();
        }
    }

    /** quantize(source) is byte-identical to ggml's reference quantizers (llama-quantize without imatrix). */
    @ParameterizedTest
    @ValueSource(strings = {"f16", "bf16", "q8_0", "q4_0", "q4_K", "q6_K"})
    void quantizeIsByteExactToGgml(String name) {
        GgmlType type = typeNamed(name);
        assertThat(QuantCodecs.canQuantize(type)).isTrue();
        MemorySegment expected = codecs.tensor(name).data();
        long rowBytes = type.rowBytes(COLS);
        assertThat(expected.byteSize()).isEqualTo(ROWS * rowBytes);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment got = arena.allocate(ROWS * rowBytes);
            for (int r = 0; r < ROWS; r++) {
                QuantCodecs.quantize(type, source, r * COLS, COLS, got, r * rowBytes);
            }
            for (int r = 0; r < ROWS; r++) {
                MemorySegment g = got.asSlice(r * rowBytes, rowBytes);
                MemorySegment e = expected.asSlice(r * rowBytes, rowBytes);
                long at = g.mismatch(e);
                assertThat(at).as("%s row %d: first differing byte %d (block %d)", name, r, at,
                        at / type.bytesPerBlock()).isEqualTo(-1L);
            }
        }
    }

    /** The activation quantized to Q8_0 and Q8_K equals ggml's from_float bytes. */
    @ParameterizedTest
    @ValueSource(strings = {"q8_0", "q8_K"})
    void activationQuantizesLikeGgml(String name) throws IOException {
        GgmlType type = typeNamed(name);
        float[] act = QuantFixtures.readFloats(QuantFixtures.fixture("quants/activation.f32"));
        byte[] expected = Files.readAllBytes(QuantFixtures.fixture("quants/activation." + name + ".bin"));
        assertThat(act).hasSize(COLS);
        assertThat((long) expected.length).isEqualTo(type.rowBytes(COLS));
        byte[] got = new byte[expected.length];
        QuantCodecs.quantize(type, act, 0, COLS, MemorySegment.ofArray(got), 0);
        assertThat(got).isEqualTo(expected);
    }

    /**
     * For each weight type in vecdot.json: dot(dequant(W row), dequant(quantized activation)) in
     * double equals ggml's reference_f64 (1e-5 relative or 1e-4 absolute), and is close to ggml's
     * float32 integer-kernel result.
     */
    @Test
    void dotProductsOfDecodedRowsMatchGgml() throws IOException {
        JsonNode root = new ObjectMapper().readTree(QuantFixtures.fixture("quants/vecdot.json").toFile());
        float[] act = QuantFixtures.readFloats(QuantFixtures.fixture("quants/activation.f32"));
        int checked = 0;
        for (String w : new String[] {"q8_0", "q4_0", "q4_K", "q6_K"}) {
            JsonNode entry = root.get(w);
            assertThat(entry).as(w).isNotNull();
            GgmlType wt = typeNamed(w);
            GgmlType vt = typeNamed(entry.get("vec_dot_type").asText());

            MemorySegment aq = MemorySegment.ofArray(new byte[(int) vt.rowBytes(COLS)]);
            QuantCodecs.quantize(vt, act, 0, COLS, aq, 0);
            float[] a = new float[COLS];
            QuantCodecs.dequantize(vt, aq, 0, a, 0, COLS);

            TensorData t = codecs.tensor(w);
            float[] row = new float[COLS];
            for (int r = 0; r < ROWS; r++) {
                QuantCodecs.dequantize(wt, t.data(), r * wt.rowBytes(COLS), row, 0, COLS);
                double dot = 0;
                for (int c = 0; c < COLS; c++) {
                    dot += (double) row[c] * a[c];
                }
                double ref = entry.get("reference_f64").get(r).asDouble();
                double ggml = entry.get("results").get(r).asDouble();
                assertThat(Math.abs(dot - ref) <= Math.max(1e-5 * Math.abs(ref), 1e-4))
                        .as("%s row %d: dot %s vs reference_f64 %s", w, r, dot, ref).isTrue();
                assertThat(Math.abs(dot - ggml) <= Math.max(1e-5 * Math.abs(ggml), 1e-4))
                        .as("%s row %d: dot %s vs ggml vec_dot %s", w, r, dot, ggml).isTrue();
                checked++;
            }
        }
        assertThat(checked).isEqualTo(32);
    }

    static void assertBitsEqual(String what, float[] got, float[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(expected[i])) {
                fail("%s: element %d (row %d, col %d) is %s (0x%08x), ggml gives %s (0x%08x)", what, i,
                        i / COLS, i % COLS, got[i], Float.floatToRawIntBits(got[i]),
                        expected[i], Float.floatToRawIntBits(expected[i]));
            }
        }
    }
}
