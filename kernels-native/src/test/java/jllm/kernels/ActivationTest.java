package jllm.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

import jllm.formats.GgmlType;
import jllm.formats.quant.QuantCodecs;

class ActivationTest {

    /** Random data with ties, zeros and tiny values: the quantizers must give QuantCodecs' bytes. */
    static float[] data(int n, long seed) {
        float[] x = KernelChecks.randomActivation(n, seed, true);
        for (int i = 0; i < n; i += 37) {
            x[i] = Math.round(x[i] * 4) / 4f;   // exact fractions: rounding ties after scaling
        }
        for (int i = 512; i < Math.min(n, 768); i++) {
            x[i] *= 1e-6f;
        }
        return x;
    }

    @Test
    void q8_0MatchesQuantCodecs() {
        for (long seed = 0; seed < 20; seed++) {
            float[] x = data(1024, seed);
            Activation a = new Activation();
            a.prepare(Activation.Q8_0, x, 0, x.length, 0, 1);
            MemorySegment ref = MemorySegment.ofArray(new byte[(int) GgmlType.Q8_0.rowBytes(x.length)]);
            QuantCodecs.quantize(GgmlType.Q8_0, x, 0, x.length, ref, 0);
            for (int b = 0; b < x.length / 32; b++) {
                assertThat(QuantCodecs.floatToHalf(a.d[b])).isEqualTo(ref.get(KernelChecks.LE_SHORT, 34L * b));
                for (int j = 0; j < 32; j++) {
                    assertThat((byte) a.q[32 * b + j]).isEqualTo(ref.get(ValueLayout.JAVA_BYTE, 34L * b + 2 + j));
                }
            }
        }
    }

    @Test
    void q8_KMatchesQuantCodecs() {
        var leFloat = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long seed = 0; seed < 20; seed++) {
            float[] x = data(1024, seed);
            Activation a = new Activation();
            a.prepare(Activation.Q8_K, x, 0, x.length, 0, 1);
            MemorySegment ref = MemorySegment.ofArray(new byte[(int) GgmlType.Q8_K.rowBytes(x.length)]);
            QuantCodecs.quantize(GgmlType.Q8_K, x, 0, x.length, ref, 0);
            for (int b = 0; b < x.length / 256; b++) {
                long o = 292L * b;
                assertThat(Float.floatToRawIntBits(a.d[b])).isEqualTo(Float.floatToRawIntBits(ref.get(leFloat, o)));
                for (int j = 0; j < 256; j++) {
                    assertThat((byte) a.q[256 * b + j]).isEqualTo(ref.get(ValueLayout.JAVA_BYTE, o + 4 + j));
                }
                for (int g = 0; g < 16; g++) {
                    assertThat((short) a.s[16 * b + g]).isEqualTo(ref.get(KernelChecks.LE_SHORT, o + 260 + 2L * g));
                }
            }
        }
    }

    @Test
    void q8_1IsQ8_0PlusFp16Sum() {
        float[] x = data(512, 3);
        Activation a = new Activation();
        a.prepare(Activation.Q8_1, x, 0, x.length, 0, 1);
        Activation z = new Activation();
        z.prepare(Activation.Q8_0, x, 0, x.length, 0, 1);
        for (int b = 0; b < 16; b++) {
            float amax = 0;
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[32 * b + j]));
                sum += (int) z.q[32 * b + j];
            }
            assertThat(a.d[b]).isEqualTo(z.d[b]);
            assertThat(a.s[b]).isEqualTo(Float.float16ToFloat(QuantCodecs.floatToHalf(sum * (amax / 127))));
        }
        assertThat(java.util.Arrays.copyOf(a.q, 512)).containsExactly(java.util.Arrays.copyOf(z.q, 512));
    }

    @Test
    void f16AndBf16RoundTheActivation() {
        float[] x = data(64, 4);
        Activation a = new Activation();
        a.prepare(Activation.F16, x, 0, 64, 0, 1);
        for (int i = 0; i < 64; i++) {
            assertThat(a.q[i]).isEqualTo(Float.float16ToFloat(QuantCodecs.floatToHalf(x[i])));
        }
        a.prepare(Activation.BF16, x, 0, 64, 0, 1);
        for (int i = 0; i < 64; i++) {
            assertThat(a.q[i]).isEqualTo(QuantCodecs.bf16ToFloat(QuantCodecs.floatToBf16(x[i])));
        }
    }
}
