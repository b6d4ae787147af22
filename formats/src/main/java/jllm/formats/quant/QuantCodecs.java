package jllm.formats.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

import jllm.formats.GgmlType;

/**
 * Scalar reference codecs for ggml tensor types: decode ({@link #dequantize}) and encode
 * ({@link #quantize}) rows of blocks to and from {@code float}.
 *
 * <p>These are the ground truth for faster kernels, so they follow ggml's scalar code exactly:
 * decoding gives bit-identical floats to ggml's {@code dequantize_row_*}, encoding gives
 * byte-identical blocks to ggml's {@code quantize_row_*_ref} (what {@code llama-quantize} writes
 * without an importance matrix). Both do float32 arithmetic in the same order as the C code; Java
 * never fuses a multiply and an add, which matches how ggml's base library is compiled.
 *
 * <p>All multi-byte fields are little-endian, whatever the platform. Blocks lie back to back, as
 * in a ggml tensor row. Nothing here allocates per element; the K-quant encoders use small
 * per-call scratch arrays.
 */
public final class QuantCodecs {

    static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private QuantCodecs() {}

    /**
     * Whether {@link #dequantize} handles this type: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
     * Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and Q8_K.
     */
    public static boolean canDequantize(GgmlType t) {
        return switch (t) {
            case F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
                 Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K -> true;
            default -> false;
        };
    }

    /**
     * Whether {@link #quantize} handles this type: F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q6_K and Q8_K
     * (Q8_K is the activation type of the K-quant dot products, not a storage type).
     */
    public static boolean canQuantize(GgmlType t) {
        return switch (t) {
            case F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q6_K, Q8_K -> true;
            default -> false;
        };
    }

    /**
     * Decodes {@code n} elements of type {@code t}, read from {@code src} starting at byte
     * {@code srcOffset} ({@code t.rowBytes(n)} bytes), into {@code dst[dstOffset .. dstOffset+n)}.
     * The result is bit-identical to ggml's {@code to_float} for the type.
     *
     * @throws UnsupportedOperationException when {@link #canDequantize} is false for {@code t}
     * @throws IllegalArgumentException      when {@code n} is negative or not a multiple of the block size
     * @throws IndexOutOfBoundsException     when the source bytes or destination range do not fit
     */
    public static void dequantize(GgmlType t, MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        Objects.requireNonNull(t, "type");
        if (!canDequantize(t)) {
            throw unsupported("dequantizing", t);
        }
        long bytes = checkCount(t, n);
        Objects.checkFromIndexSize(srcOffset, bytes, src.byteSize());
        Objects.checkFromIndexSize(dstOffset, n, dst.length);
        int nb = n / t.blockSize();
        switch (t) {
            case F32 -> MemorySegment.copy(src, LE_FLOAT, srcOffset, dst, dstOffset, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOffset + i] = Float.float16ToFloat(src.get(LE_SHORT, srcOffset + 2L * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOffset + i] = bf16ToFloat(src.get(LE_SHORT, srcOffset + 2L * i));
                }
            }
            case Q4_0 -> LegacyQuants.dequantizeQ4_0(src, srcOffset, dst, dstOffset, nb);
            case Q4_1 -> LegacyQuants.dequantizeQ4_1(src, srcOffset, dst, dstOffset, nb);
            case Q5_0 -> LegacyQuants.dequantizeQ5_0(src, srcOffset, dst, dstOffset, nb);
            case Q5_1 -> LegacyQuants.dequantizeQ5_1(src, srcOffset, dst, dstOffset, nb);
            case Q8_0 -> LegacyQuants.dequantizeQ8_0(src, srcOffset, dst, dstOffset, nb);
            case Q2_K -> KQuants.dequantizeQ2_K(src, srcOffset, dst, dstOffset, nb);
            case Q3_K -> KQuants.dequantizeQ3_K(src, srcOffset, dst, dstOffset, nb);
            case Q4_K -> KQuants.dequantizeQ4_K(src, srcOffset, dst, dstOffset, nb);
            case Q5_K -> KQuants.dequantizeQ5_K(src, srcOffset, dst, dstOffset, nb);
            case Q6_K -> KQuants.dequantizeQ6_K(src, srcOffset, dst, dstOffset, nb);
            case Q8_K -> KQuants.dequantizeQ8_K(src, srcOffset, dst, dstOffset, nb);
            default -> throw unsupported("dequantizing", t);
        }
    }

    /**
     * Encodes {@code src[srcOffset .. srcOffset+n)} as type {@code t} into {@code dst} at byte
     * {@code dstOffset}, writing exactly {@code t.rowBytes(n)} bytes. The bytes equal those of
     * ggml's reference quantizer ({@code quantize_row_<type>_ref}; {@code ggml_fp32_to_fp16_row} /
     * {@code ggml_fp32_to_bf16_row_ref} for the half types), so files written with it match
     * {@code llama-quantize} without an importance matrix.
     *
     * @throws UnsupportedOperationException when {@link #canQuantize} is false for {@code t}
     * @throws IllegalArgumentException      when {@code n} is negative or not a multiple of the block size
     * @throws IndexOutOfBoundsException     when the source range or destination bytes do not fit
     */
    public static void quantize(GgmlType t, float[] src, int srcOffset, int n, MemorySegment dst, long dstOffset) {
        Objects.requireNonNull(t, "type");
        if (!canQuantize(t)) {
            throw unsupported("quantizing to", t);
        }
        long bytes = checkCount(t, n);
        Objects.checkFromIndexSize(srcOffset, n, src.length);
        Objects.checkFromIndexSize(dstOffset, bytes, dst.byteSize());
        int nb = n / t.blockSize();
        switch (t) {
            case F32 -> MemorySegment.copy(src, srcOffset, dst, LE_FLOAT, dstOffset, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(LE_SHORT, dstOffset + 2L * i, floatToHalf(src[srcOffset + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(LE_SHORT, dstOffset + 2L * i, floatToBf16(src[srcOffset + i]));
                }
            }
            case Q4_0 -> LegacyQuants.quantizeQ4_0(src, srcOffset, dst, dstOffset, nb);
            case Q8_0 -> LegacyQuants.quantizeQ8_0(src, srcOffset, dst, dstOffset, nb);
            case Q4_K -> KQuants.quantizeQ4_K(src, srcOffset, dst, dstOffset, nb);
            case Q6_K -> KQuants.quantizeQ6_K(src, srcOffset, dst, dstOffset, nb);
            case Q8_K -> KQuants.quantizeQ8_K(src, srcOffset, dst, dstOffset, nb);
            default -> throw unsupported("quantizing to", t);
        }
    }

    /** IEEE binary16 bits to float (exact). */
    public static float halfToFloat(short h) {
        return Float.float16ToFloat(h);
    }

    /**
     * Float to IEEE binary16 bits, rounding to nearest even; overflow gives infinity. Every NaN
     * becomes the quiet NaN {@code 0x7E00} with the input's sign, as ggml's scalar conversion does.
     */
    public static short floatToHalf(float f) {
        if (Float.isNaN(f)) {
            return (short) (((Float.floatToRawIntBits(f) >>> 16) & 0x8000) | 0x7E00);
        }
        return Float.floatToFloat16(f);
    }

    /** bfloat16 bits to float (exact: the bits become the top half of a float32). */
    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /**
     * Float to bfloat16 bits: the top 16 bits of the float32, rounded to nearest even. Subnormals
     * are kept (not flushed), NaN stays NaN (made quiet), as in ggml's {@code ggml_compute_fp32_to_bf16}.
     */
    public static short floatToBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7FFFFFFF) > 0x7F800000) {
            // NaN: truncating could clear every mantissa bit and turn it into infinity; set the quiet bit.
            return (short) ((u >>> 16) | 64);
        }
        // Adding 0x7FFF plus the lowest kept bit rounds half to even; a carry into the exponent is
        // the correct rounding up (to the next binade or to infinity).
        return (short) ((u + 0x7FFF + ((u >>> 16) & 1)) >>> 16);
    }

    /** Byte count of n elements, after checking n is a whole number of blocks. */
    private static long checkCount(GgmlType t, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative element count " + n);
        }
        return t.rowBytes(n);
    }

    private static UnsupportedOperationException unsupported(String what, GgmlType t) {
        return new UnsupportedOperationException(
                what + " " + t.ggmlName() + ": jllm does not support " + t.name() + " yet");
    }
}
