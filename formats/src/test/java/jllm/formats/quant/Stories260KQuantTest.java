package jllm.formats.quant;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jllm.formats.GgmlType;
import jllm.formats.GgufFile;
import jllm.formats.TensorData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The llama-quantize'd stories260K files against the F32 file they were made from: every quantized
 * tensor decodes to within its type's quantization error of the F32 tensor, and re-encoding the
 * F32 tensor with our reference quantizer reproduces the file's bytes exactly.
 */
class Stories260KQuantTest {

    @ParameterizedTest
    @CsvSource({"q8_0, Q8_0", "q4_0, Q4_0"})
    void quantizedTensorsMatchF32Model(String variant, GgmlType type) throws IOException {
        // Largest |error| per 32-block as a fraction of the block's |max|: q8_0 rounds to 1/254 of
        // the range (plus the f16 scale's rounding); q4_0 reaches 1/8 for the value opposite in
        // sign to the block's signed max.
        double bound = type == GgmlType.Q8_0 ? 0.6 / 127 : 1.0 / 8 + 0.01;
        try (GgufFile f32 = GgufFile.open(QuantFixtures.fixture("stories260K/stories260K-f32.gguf"));
             GgufFile q = GgufFile.open(QuantFixtures.fixture("stories260K/stories260K-" + variant + ".gguf"));
             Arena arena = Arena.ofConfined()) {
            assertThat(q.tensors()).hasSameSizeAs(f32.tensors());
            int quantized = 0;
            for (TensorData t : q.tensors()) {
                TensorData ref = f32.tensor(t.name());
                assertThat(ref.type()).as(t.name()).isEqualTo(GgmlType.F32);
                assertThat(t.shape()).as(t.name()).containsExactly(ref.shape());
                int n = Math.toIntExact(t.elementCount());
                float[] want = new float[n];
                QuantCodecs.dequantize(GgmlType.F32, ref.data(), 0, want, 0, n);
                if (t.type() == GgmlType.F32) {
                    // ffn_down (rows of 172) and the norms stay F32.
                    assertThat(t.data().mismatch(ref.data())).as(t.name()).isEqualTo(-1L);
                    continue;
                }
                assertThat(t.type()).as(t.name()).isEqualTo(type);
                quantized++;

                float[] got = new float[n];
                QuantCodecs.dequantize(type, t.data(), 0, got, 0, n);
                for (int b = 0; b < n; b += 32) {
                    double amax = 0;
                    double err = 0;
                    for (int j = b; j < b + 32; j++) {
                        amax = Math.max(amax, Math.abs(want[j]));
                        err = Math.max(err, Math.abs((double) got[j] - want[j]));
                    }
                    assertThat(err).as("%s %s block at %d: max err %s, block absmax %s", variant, t.name(), b, err, amax)
                            .isLessThanOrEqualTo(amax * bound);
                }

                MemorySegment mine = arena.allocate(type.rowBytes(n));
                QuantCodecs.quantize(type, want, 0, n, mine, 0);
                long at = mine.mismatch(t.data());
                assertThat(at).as("%s %s: re-encoding differs from llama-quantize at byte %d", variant, t.name(), at)
                        .isEqualTo(-1L);
            }
            // token_embd, output and the 4 attention matrices + 2 FFN matrices of each of 5 layers.
            assertThat(quantized).isGreaterThanOrEqualTo(2 + 5 * 6);
        }
    }
}
