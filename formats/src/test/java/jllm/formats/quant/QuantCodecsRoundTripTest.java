package jllm.formats.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import jllm.formats.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Properties of the codecs that need no fixtures: error bounds, zeros, half-float helpers, argument checks. */
class QuantCodecsRoundTripTest {
    static final int N = 4096;

    /**
     * Largest |dequantize(quantize(x)) - x| allowed, as a fraction of the largest |x| in the
     * element's block (the 256-element super-block for K-quants; the element itself for the
     * half types). From the fixture README's measured maxima (q8_0 4.2e-3, q4_0 0.118, q4_K
     * 0.064, q6_K 0.016) with margin; Q4_0 reaches 1/8 by design (the value opposite in sign to
     * the block's signed max clamps at code 15).
     */
    static double bound(GgmlType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> Math.scalb(1.0, -11) * 1.0001;   // half an ulp of an 11-bit significand
            case BF16 -> Math.scalb(1.0, -8) * 1.0001;   // half an ulp of an 8-bit significand
            case Q8_0 -> 0.6 / 127;
            case Q8_K -> 0.5 / 127 * 1.01;               // d is float32: only the rounding of codes
            case Q4_0 -> 1.0 / 8 + 0.01;
            case Q4_K -> 0.09;
            case Q6_K -> 0.025;
            default -> throw new IllegalArgumentException(t.name());
        };
    }

    /** Seeded test rows: Gaussian at several magnitudes, uniform, mostly positive, outliers. */
    static float[] data(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[N];
        for (int i = 0; i < N; i++) {
            int row = i / 512;
            double g = rnd.nextGaussian();
            x[i] = (float) switch (row) {
                case 0 -> g;
                case 1 -> g * 0.02;
                case 2 -> g * 300;
                case 3 -> rnd.nextDouble(-1, 1);
                case 4 -> g + 3;
                case 5 -> -Math.abs(g);
                case 6 -> i % 97 == 0 ? g * 50 : g;     // outliers
                default -> g * 0.005;             // small, but fp16 block scales stay normal
            };
        }
        return x;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K", "Q8_K"})
    void roundTripErrorIsBounded(GgmlType t) {
        assertThat(QuantCodecs.canQuantize(t)).isTrue();
        assertThat(QuantCodecs.canDequantize(t)).isTrue();
        for (long seed : new long[] {1, 2, 3}) {
            float[] x = data(seed);
            float[] y = roundTrip(t, x);
            double bound = bound(t);
            int block = t.blockSize();
            double worst = 0;
            for (int b = 0; b < N; b += block) {
                double amax = 0;
                double err = 0;
                for (int j = b; j < b + block; j++) {
                    amax = Math.max(amax, Math.abs(x[j]));
                    err = Math.max(err, Math.abs((double) y[j] - x[j]));
                }
                // f16 has subnormals below 2^-14: allow their absolute spacing.
                double slack = t == GgmlType.F16 ? Math.scalb(1.0, -25) : 0;
                assertThat(err).as("%s seed %d block at %d: max err %s, block absmax %s", t, seed, b, err, amax)
                        .isLessThanOrEqualTo(amax * bound + slack);
                if (amax > 0) {
                    worst = Math.max(worst, err / amax);
                }
            }
            if (t == GgmlType.F32) {
                assertThat(y).isEqualTo(x);
            } else {
                assertThat(worst).as("%s must actually lose precision", t).isPositive();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K", "Q8_K"})
    void zerosDecodeToExactlyZero(GgmlType t) {
        float[] y = roundTrip(t, new float[N]);
        for (int i = 0; i < N; i++) {
            assertThat(y[i] == 0f).as("%s element %d = %s", t, i, y[i]).isTrue();
        }
    }

    /** Zero blocks inside otherwise non-zero data also decode to zero (K-quant sub-blocks included). */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K", "Q8_K"})
    void zeroSubBlocksDecodeToZero(GgmlType t) {
        float[] x = data(7);
        for (int i = 0; i < N; i++) {
            if ((i / 32) % 3 == 1 || (i >= 1024 && i < 1280)) {
                x[i] = 0f;
            }
        }
        float[] y = roundTrip(t, x);
        for (int i = 0; i < N; i++) {
            if (x[i] == 0f) {
                assertThat(Math.abs(y[i])).as("%s element %d", t, i).isZero();
            }
        }
    }

    /** Values that already are codes survive a second round trip unchanged (no drift in the scale). */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16", "Q8_0", "Q4_0"})
    void requantizingDecodedValuesIsStable(GgmlType t) {
        float[] once = roundTrip(t, data(11));
        float[] twice = roundTrip(t, once);
        assertThat(twice).isEqualTo(once);
    }

    @Test
    void halfHelpers() {
        assertThat(QuantCodecs.floatToHalf(1.0f)).isEqualTo((short) 0x3C00);
        assertThat(QuantCodecs.floatToHalf(-2.0f)).isEqualTo((short) 0xC000);
        assertThat(QuantCodecs.floatToHalf(65520f)).isEqualTo((short) 0x7C00);         // rounds up to infinity
        assertThat(QuantCodecs.floatToHalf(1.0f + 0x1p-11f)).isEqualTo((short) 0x3C00); // tie to even
        assertThat(QuantCodecs.floatToHalf(1.0f + 0x1p-11f + 0x1p-20f)).isEqualTo((short) 0x3C01);
        assertThat(QuantCodecs.floatToHalf(0x1p-24f)).isEqualTo((short) 0x0001);        // smallest subnormal
        assertThat(QuantCodecs.floatToHalf(Float.NaN)).isEqualTo((short) 0x7E00);
        assertThat(QuantCodecs.halfToFloat((short) 0x3555)).isEqualTo(0.33325195f);
        assertThat(Float.isNaN(QuantCodecs.halfToFloat((short) 0x7E00))).isTrue();
    }

    @Test
    void bf16Helpers() {
        assertThat(QuantCodecs.floatToBf16(1.0f)).isEqualTo((short) 0x3F80);
        // 1 + 2^-8 is exactly halfway between 1 and 1 + 2^-7: ties to even (down).
        assertThat(QuantCodecs.floatToBf16(1.0f + 0x1p-8f)).isEqualTo((short) 0x3F80);
        // 1 + 3*2^-8 is halfway between 1+2^-7 (odd) and 1+2^-6: up to even.
        assertThat(QuantCodecs.floatToBf16(1.0f + 3 * 0x1p-8f)).isEqualTo((short) 0x3F82);
        assertThat(QuantCodecs.floatToBf16(1.0f + 0x1p-8f + 0x1p-20f)).isEqualTo((short) 0x3F81);
        assertThat(QuantCodecs.floatToBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7F80); // rounds to infinity
        assertThat(QuantCodecs.floatToBf16(Float.MIN_VALUE)).isEqualTo((short) 0x0000); // subnormal rounds, not flushed
        assertThat(QuantCodecs.floatToBf16(0x1p-130f)).isEqualTo((short) 0x0008);
        // A NaN whose payload sits only in the low 16 bits must stay NaN.
        short nan = QuantCodecs.floatToBf16(Float.intBitsToFloat(0x7F800001));
        assertThat(Float.isNaN(QuantCodecs.bf16ToFloat(nan))).isTrue();
        assertThat(QuantCodecs.bf16ToFloat((short) 0xC040)).isEqualTo(-3.0f);
    }

    @Test
    void capabilities() {
        for (GgmlType t : GgmlType.values()) {
            boolean deq = switch (t) {
                case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K -> true;
                default -> false;
            };
            boolean q = switch (t) {
                case F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K, Q8_K -> true;
                default -> false;
            };
            assertThat(QuantCodecs.canDequantize(t)).as("dequantize %s", t).isEqualTo(deq);
            assertThat(QuantCodecs.canQuantize(t)).as("quantize %s", t).isEqualTo(q);
        }
    }

    @Test
    void unsupportedTypesSayWhich() {
        MemorySegment seg = MemorySegment.ofArray(new byte[1024]);
        assertThatThrownBy(() -> QuantCodecs.dequantize(GgmlType.IQ2_XXS, seg, 0, new float[256], 0, 256))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("jllm does not support IQ2_XXS yet");
        assertThatThrownBy(() -> QuantCodecs.dequantize(GgmlType.Q4_0_4_4, seg, 0, new float[32], 0, 32))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("jllm does not support Q4_0_4_4 yet");
        assertThatThrownBy(() -> QuantCodecs.quantize(GgmlType.Q5_K, new float[256], 0, 256, seg, 0))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("jllm does not support Q5_K yet");
    }

    @Test
    void argumentsAreChecked() {
        MemorySegment seg = MemorySegment.ofArray(new byte[34 * 4]);
        assertThatThrownBy(() -> QuantCodecs.dequantize(GgmlType.Q8_0, seg, 0, new float[64], 0, 33))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QuantCodecs.dequantize(GgmlType.Q8_0, seg, 0, new float[64], 0, -32))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QuantCodecs.dequantize(GgmlType.Q8_0, seg, 34, new float[128], 0, 128))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> QuantCodecs.dequantize(GgmlType.Q8_0, seg, 0, new float[64], 40, 32))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> QuantCodecs.quantize(GgmlType.Q8_0, new float[64], 48, 32, seg, 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> QuantCodecs.quantize(GgmlType.Q8_0, new float[160], 0, 160, seg, 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
        // Offsets are honoured: encoding at a byte offset leaves the bytes before it alone.
        byte[] buf = new byte[34 * 2];
        float[] x = data(5);
        QuantCodecs.quantize(GgmlType.Q8_0, x, 64, 32, MemorySegment.ofArray(buf), 34);
        for (int i = 0; i < 34; i++) {
            assertThat(buf[i]).isZero();
        }
        float[] y = new float[40];
        QuantCodecs.dequantize(GgmlType.Q8_0, MemorySegment.ofArray(buf), 34, y, 8, 32);
        for (int j = 0; j < 32; j++) {
            assertThat(Math.abs(y[8 + j] - x[64 + j])).isLessThanOrEqualTo(0.05f);
        }
    }

    @Test
    void q8_0UsesRoundHalfAwayFromZero() {
        // amax 127 gives d = 1 exactly, so x/d lands on ties: roundf takes them away from zero.
        float[] x = new float[32];
        x[0] = 127f;
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.5f;
        x[4] = -0.5f;
        byte[] buf = new byte[34];
        QuantCodecs.quantize(GgmlType.Q8_0, x, 0, 32, MemorySegment.ofArray(buf), 0);
        assertThat(new byte[] {buf[2], buf[3], buf[4], buf[5], buf[6]}).containsExactly(127, 3, -3, 1, -1);
    }

    @Test
    void q8_KUsesRoundHalfEvenAndSignedScale() {
        // Signed max -127 gives iscale 1 and d = 1: ties go to even; bsums are the sums of 16.
        float[] x = new float[256];
        x[0] = -127f;
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 3.5f;
        x[16] = 100f;
        byte[] buf = new byte[292];
        MemorySegment seg = MemorySegment.ofArray(buf);
        QuantCodecs.quantize(GgmlType.Q8_K, x, 0, 256, seg, 0);
        assertThat(seg.get(QuantCodecs.LE_FLOAT, 0)).isEqualTo(1.0f);
        assertThat(new byte[] {buf[4], buf[5], buf[6], buf[7], buf[20]}).containsExactly(-127, 2, -2, 4, 100);
        assertThat(seg.get(QuantCodecs.LE_SHORT, 260)).isEqualTo((short) (-127 + 2 - 2 + 4));
        assertThat(seg.get(QuantCodecs.LE_SHORT, 262)).isEqualTo((short) 100);
        // A positive signed max makes d negative and flips the codes' sign.
        x[0] = 127f;
        QuantCodecs.quantize(GgmlType.Q8_K, x, 0, 256, seg, 0);
        assertThat(seg.get(QuantCodecs.LE_FLOAT, 0)).isEqualTo(-1.0f);
        assertThat(buf[4]).isEqualTo((byte) -127);
    }

    @Test
    void nearestIntRoundsHalfToEven() {
        assertThat(ScaleSearch.nearestInt(0.5f)).isZero();
        assertThat(ScaleSearch.nearestInt(1.5f)).isEqualTo(2);
        assertThat(ScaleSearch.nearestInt(2.5f)).isEqualTo(2);
        assertThat(ScaleSearch.nearestInt(-2.5f)).isEqualTo(-2);
        assertThat(ScaleSearch.nearestInt(-3.5f)).isEqualTo(-4);
        assertThat(ScaleSearch.nearestInt(0.49999997f)).isZero();
        assertThat(ScaleSearch.nearestInt(-14.7f)).isEqualTo(-15);
    }

    static float[] roundTrip(GgmlType t, float[] x) {
        MemorySegment q = MemorySegment.ofArray(new byte[(int) t.rowBytes(x.length)]);
        QuantCodecs.quantize(t, x, 0, x.length, q, 0);
        float[] y = new float[x.length];
        QuantCodecs.dequantize(t, q, 0, y, 0, x.length);
        return y;
    }
}
