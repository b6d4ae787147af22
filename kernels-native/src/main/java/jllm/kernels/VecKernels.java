package jllm.kernels;

import static jllm.kernels.ScalarKernels.LE_FLOAT;
import static jllm.kernels.ScalarKernels.LE_INT;
import static jllm.kernels.ScalarKernels.byteOf;
import static jllm.kernels.ScalarKernels.half;
import static jllm.kernels.ScalarKernels.k4Scales;
import static jllm.kernels.ScalarKernels.q3Scales;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API row dot products, numerically the same scheme as {@link ScalarKernels} (and ggml):
 * per block an exact integer dot product of weight codes and activation codes, times the block's
 * float scale. Codes are read as bytes straight from the weight segment, unpacked with byte/short
 * lane operations, widened to float lanes (exact: every partial sum of a lane stays far below
 * 2^24) and multiplied with the activation codes, which are kept as floats.
 *
 * <p>Species are fixed from {@link Simd#BITS} at class initialization so the JIT sees constants.
 * A chunk of {@link #E} weight bytes (8, or 16 with 512-bit vectors) widens into {@link #PARTS}
 * float vectors.
 */
final class VecKernels {
    static final VectorSpecies<Float> F = switch (Simd.BITS) {
        case 512 -> FloatVector.SPECIES_512;
        case 256 -> FloatVector.SPECIES_256;
        default -> FloatVector.SPECIES_128;
    };
    static final int FL = F.length();
    static final VectorSpecies<Integer> I = switch (Simd.BITS) {
        case 512 -> IntVector.SPECIES_512;
        case 256 -> IntVector.SPECIES_256;
        default -> IntVector.SPECIES_128;
    };
    /** Shorts with as many lanes as F (for F16/BF16 weights). */
    static final VectorSpecies<Short> S = switch (Simd.BITS) {
        case 512 -> ShortVector.SPECIES_256;
        case 256 -> ShortVector.SPECIES_128;
        default -> ShortVector.SPECIES_64;
    };
    /** Bytes per chunk: max(8, FL). */
    static final VectorSpecies<Byte> B = FL >= 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    static final int E = B.length();
    static final int PARTS = E / FL;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private VecKernels() {}

    // ---- helpers ----

    private static ByteVector load(MemorySegment w, long off) {
        return ByteVector.fromMemorySegment(B, w, off, LE);
    }

    /*
     * Helpers are kept tiny (bytecode under MaxInlineSize) so that C2 always inlines them: a vector
     * passed to a method that is not inlined gets boxed, which is ~10x slower. For the same reason
     * the K-quant kernels do one super-block per method call and return a float.
     */

    /** acc + widen(v) * x[xi .. xi+E). */
    private static FloatVector fmaB(ByteVector v, float[] x, int xi, FloatVector acc) {
        return PARTS == 1 ? fma1(v, x, xi, acc) : fma1(v, x, xi, fmaHi(v, x, xi, acc));
    }

    private static FloatVector fma1(ByteVector v, float[] x, int xi, FloatVector acc) {
        return ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi), acc);
    }

    private static FloatVector fmaHi(ByteVector v, float[] x, int xi, FloatVector acc) {
        return ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).fma(FloatVector.fromArray(F, x, xi + FL), acc);
    }

    private static ByteVector shr(ByteVector v, int n) {   // per-byte logical shift right via 16-bit lanes; caller masks
        return n == 0 ? v : v.reinterpretAsShorts().lanewise(VectorOperators.LSHR, n).reinterpretAsBytes();
    }

    private static ByteVector shl(ByteVector v, int n) {   // per-byte shift left
        return v.lanewise(VectorOperators.LSHL, n);
    }

    private static FloatVector scaleAdd(FloatVector acc, float scale, FloatVector total) {
        return acc.fma(FloatVector.broadcast(F, scale), total);
    }

    private static final long CHUNK_BITS = E == 64 ? -1L : (1L << E) - 1;

    // ---- float types ----

    /**
     * Float-type rows times x: lane-wise FMAs into two 16-lane accumulators over 32 elements at a
     * time (held as halves or quarters on narrower machines, see {@link FixedMath#R}), one more 16
     * if left, their {@link FixedMath#sum} tree, then the last n % 16 in order.
     */
    static float f32(MemorySegment w, long off, float[] x, int xi, int n) {
        int i = 0;
        float sum;
        if (FL == 8) {   // the 16-lane order (FixedMath.R) in halves
            FloatVector a0 = FloatVector.zero(F), a0h = a0, a1 = a0, a1h = a0;
            for (; i <= n - 32; i += 32) {
                a0 = FloatVector.fromMemorySegment(F, w, off + 4L * (i), LE).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a0h = FloatVector.fromMemorySegment(F, w, off + 4L * (i + 8), LE).fma(FloatVector.fromArray(F, x, xi + i + 8), a0h);
                a1 = FloatVector.fromMemorySegment(F, w, off + 4L * (i + 16), LE).fma(FloatVector.fromArray(F, x, xi + i + 16), a1);
                a1h = FloatVector.fromMemorySegment(F, w, off + 4L * (i + 24), LE).fma(FloatVector.fromArray(F, x, xi + i + 24), a1h);
            }
            for (; i <= n - 16; i += 16) {
                a0 = FloatVector.fromMemorySegment(F, w, off + 4L * (i), LE).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a0h = FloatVector.fromMemorySegment(F, w, off + 4L * (i + 8), LE).fma(FloatVector.fromArray(F, x, xi + i + 8), a0h);
            }
            sum = FixedMath.sum16(a0.add(a1), a0h.add(a1h));
        } else if (FL == 4) {   // ... in quarters
            FloatVector a0 = FloatVector.zero(F), a0b = a0, a0c = a0, a0d = a0, a1 = a0, a1b = a0, a1c = a0, a1d = a0;
            for (; i <= n - 32; i += 32) {
                a0 = FloatVector.fromMemorySegment(F, w, off + 4L * (i), LE).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a0b = FloatVector.fromMemorySegment(F, w, off + 4L * (i + 4), LE).fma(FloatVector.fromArray(F, x, xi + i + 4), a0b);
                a0c = FloatVector.fromMemorySegment(F, w, off + 4L * (i + 8), LE).fma(FloatVector.fromArray(F, x, xi + i + 8), a0c);
                a0d = FloatVector.fromMemorySegment(F, w, off + 4L * (i + 12), LE).fma(FloatVector.fromArray(F, x, xi + i + 12), a0d);
                a1 = FloatVector.fromMemorySegment(F, w, off + 4L * (i + 16), LE).fma(FloatVector.fromArray(F, x, xi + i + 16), a1);
                a1b = FloatVector.fromMemorySegment(F, w, off + 4L * (i + 20), LE).fma(FloatVector.fromArray(F, x, xi + i + 20), a1b);
                a1c = FloatVector.fromMemorySegment(F, w, off + 4L * (i + 24), LE).fma(FloatVector.fromArray(F, x, xi + i + 24), a1c);
                a1d = FloatVector.fromMemorySegment(F, w, off + 4L * (i + 28), LE).fma(FloatVector.fromArray(F, x, xi + i + 28), a1d);
            }
            for (; i <= n - 16; i += 16) {
                a0 = FloatVector.fromMemorySegment(F, w, off + 4L * (i), LE).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a0b = FloatVector.fromMemorySegment(F, w, off + 4L * (i + 4), LE).fma(FloatVector.fromArray(F, x, xi + i + 4), a0b);
                a0c = FloatVector.fromMemorySegment(F, w, off + 4L * (i + 8), LE).fma(FloatVector.fromArray(F, x, xi + i + 8), a0c);
                a0d = FloatVector.fromMemorySegment(F, w, off + 4L * (i + 12), LE).fma(FloatVector.fromArray(F, x, xi + i + 12), a0d);
            }
            sum = FixedMath.sum16(a0.add(a1), a0b.add(a1b), a0c.add(a1c), a0d.add(a1d));
        } else {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            for (; i <= n - 2 * FL; i += 2 * FL) {
                a0 = FloatVector.fromMemorySegment(F, w, off + 4L * (i), LE).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a1 = FloatVector.fromMemorySegment(F, w, off + 4L * (i + FL), LE).fma(FloatVector.fromArray(F, x, xi + i + FL), a1);
            }
            for (; i <= n - FL; i += FL) {
                a0 = FloatVector.fromMemorySegment(F, w, off + 4L * (i), LE).fma(FloatVector.fromArray(F, x, xi + i), a0);
            }
            sum = FixedMath.sum(a0.add(a1));
        }
        for (; i < n; i++) {
            sum += w.get(LE_FLOAT, off + 4L * i) * x[xi + i];
        }
        return sum;
    }

    /** IEEE half bits (in the low 16 bits of each lane, sign-extended) to float, exactly. */
    static FloatVector halfToFloat(ShortVector h) {
        IntVector i = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        IntVector mag = i.and(0x7fff);
        IntVector bits = mag.lanewise(VectorOperators.LSHL, 13);
        // Normal and subnormal halves: rebias by multiplying with 2^112 (exact).
        IntVector f = bits.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        f = f.blend(bits.or(0x7f800000), mag.compare(VectorOperators.GE, 0x7c00));   // Inf / NaN
        return f.or(i.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    static float f16(MemorySegment w, long off, float[] x, int xi, int n) {
        int i = 0;
        float sum;
        if (FL == 8) {   // the 16-lane order (FixedMath.R) in halves
            FloatVector a0 = FloatVector.zero(F), a0h = a0, a1 = a0, a1h = a0;
            for (; i <= n - 32; i += 32) {
                a0 = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i), LE)).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a0h = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 8), LE)).fma(FloatVector.fromArray(F, x, xi + i + 8), a0h);
                a1 = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 16), LE)).fma(FloatVector.fromArray(F, x, xi + i + 16), a1);
                a1h = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 24), LE)).fma(FloatVector.fromArray(F, x, xi + i + 24), a1h);
            }
            for (; i <= n - 16; i += 16) {
                a0 = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i), LE)).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a0h = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 8), LE)).fma(FloatVector.fromArray(F, x, xi + i + 8), a0h);
            }
            sum = FixedMath.sum16(a0.add(a1), a0h.add(a1h));
        } else if (FL == 4) {   // ... in quarters
            FloatVector a0 = FloatVector.zero(F), a0b = a0, a0c = a0, a0d = a0, a1 = a0, a1b = a0, a1c = a0, a1d = a0;
            for (; i <= n - 32; i += 32) {
                a0 = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i), LE)).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a0b = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 4), LE)).fma(FloatVector.fromArray(F, x, xi + i + 4), a0b);
                a0c = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 8), LE)).fma(FloatVector.fromArray(F, x, xi + i + 8), a0c);
                a0d = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 12), LE)).fma(FloatVector.fromArray(F, x, xi + i + 12), a0d);
                a1 = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 16), LE)).fma(FloatVector.fromArray(F, x, xi + i + 16), a1);
                a1b = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 20), LE)).fma(FloatVector.fromArray(F, x, xi + i + 20), a1b);
                a1c = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 24), LE)).fma(FloatVector.fromArray(F, x, xi + i + 24), a1c);
                a1d = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 28), LE)).fma(FloatVector.fromArray(F, x, xi + i + 28), a1d);
            }
            for (; i <= n - 16; i += 16) {
                a0 = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i), LE)).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a0b = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 4), LE)).fma(FloatVector.fromArray(F, x, xi + i + 4), a0b);
                a0c = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 8), LE)).fma(FloatVector.fromArray(F, x, xi + i + 8), a0c);
                a0d = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 12), LE)).fma(FloatVector.fromArray(F, x, xi + i + 12), a0d);
            }
            sum = FixedMath.sum16(a0.add(a1), a0b.add(a1b), a0c.add(a1c), a0d.add(a1d));
        } else {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            for (; i <= n - 2 * FL; i += 2 * FL) {
                a0 = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i), LE)).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a1 = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + FL), LE)).fma(FloatVector.fromArray(F, x, xi + i + FL), a1);
            }
            for (; i <= n - FL; i += FL) {
                a0 = halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i), LE)).fma(FloatVector.fromArray(F, x, xi + i), a0);
            }
            sum = FixedMath.sum(a0.add(a1));
        }
        for (; i < n; i++) {
            sum += half(w, off + 2L * i) * x[xi + i];
        }
        return sum;
    }

    private static FloatVector bf16ToFloat(ShortVector h) {
        return ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    static float bf16(MemorySegment w, long off, float[] x, int xi, int n) {
        int i = 0;
        float sum;
        if (FL == 8) {   // the 16-lane order (FixedMath.R) in halves
            FloatVector a0 = FloatVector.zero(F), a0h = a0, a1 = a0, a1h = a0;
            for (; i <= n - 32; i += 32) {
                a0 = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i), LE)).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a0h = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 8), LE)).fma(FloatVector.fromArray(F, x, xi + i + 8), a0h);
                a1 = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 16), LE)).fma(FloatVector.fromArray(F, x, xi + i + 16), a1);
                a1h = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 24), LE)).fma(FloatVector.fromArray(F, x, xi + i + 24), a1h);
            }
            for (; i <= n - 16; i += 16) {
                a0 = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i), LE)).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a0h = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 8), LE)).fma(FloatVector.fromArray(F, x, xi + i + 8), a0h);
            }
            sum = FixedMath.sum16(a0.add(a1), a0h.add(a1h));
        } else if (FL == 4) {   // ... in quarters
            FloatVector a0 = FloatVector.zero(F), a0b = a0, a0c = a0, a0d = a0, a1 = a0, a1b = a0, a1c = a0, a1d = a0;
            for (; i <= n - 32; i += 32) {
                a0 = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i), LE)).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a0b = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 4), LE)).fma(FloatVector.fromArray(F, x, xi + i + 4), a0b);
                a0c = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 8), LE)).fma(FloatVector.fromArray(F, x, xi + i + 8), a0c);
                a0d = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 12), LE)).fma(FloatVector.fromArray(F, x, xi + i + 12), a0d);
                a1 = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 16), LE)).fma(FloatVector.fromArray(F, x, xi + i + 16), a1);
                a1b = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 20), LE)).fma(FloatVector.fromArray(F, x, xi + i + 20), a1b);
                a1c = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 24), LE)).fma(FloatVector.fromArray(F, x, xi + i + 24), a1c);
                a1d = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 28), LE)).fma(FloatVector.fromArray(F, x, xi + i + 28), a1d);
            }
            for (; i <= n - 16; i += 16) {
                a0 = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i), LE)).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a0b = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 4), LE)).fma(FloatVector.fromArray(F, x, xi + i + 4), a0b);
                a0c = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 8), LE)).fma(FloatVector.fromArray(F, x, xi + i + 8), a0c);
                a0d = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + 12), LE)).fma(FloatVector.fromArray(F, x, xi + i + 12), a0d);
            }
            sum = FixedMath.sum16(a0.add(a1), a0b.add(a1b), a0c.add(a1c), a0d.add(a1d));
        } else {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            for (; i <= n - 2 * FL; i += 2 * FL) {
                a0 = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i), LE)).fma(FloatVector.fromArray(F, x, xi + i), a0);
                a1 = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i + FL), LE)).fma(FloatVector.fromArray(F, x, xi + i + FL), a1);
            }
            for (; i <= n - FL; i += FL) {
                a0 = bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * (i), LE)).fma(FloatVector.fromArray(F, x, xi + i), a0);
            }
            sum = FixedMath.sum(a0.add(a1));
        }
        for (; i < n; i++) {
            sum += Float.intBitsToFloat((w.get(ScalarKernels.LE_SHORT, off + 2L * i) & 0xFFFF) << 16) * x[xi + i];
        }
        return sum;
    }

    // ---- 32-element blocks ----

    static float q8_0(MemorySegment w, long off, float[] q, int qi, float[] d, int di, int n) {
        FloatVector total = FloatVector.zero(F);
        for (int b = 0; b < n / 32; b++, off += 34, qi += 32) {
            FloatVector acc = FloatVector.zero(F);
            for (int j = 0; j < 32; j += E) {
                acc = fmaB(load(w, off + 2 + j), q, qi + j, acc);
            }
            total = scaleAdd(acc, half(w, off) * d[di + b], total);
        }
        return FixedMath.sum(total);
    }

    static float q4_0(MemorySegment w, long off, float[] q, int qi, float[] d, int di, int n) {
        float total = 0;
        for (int b = 0; b < n / 32; b++, off += 18, qi += 32) {
            FloatVector acc = FloatVector.zero(F);
            for (int j = 0; j < 16; j += E) {
                ByteVector v = load(w, off + 2 + j);
                acc = fmaB(v.and((byte) 0x0F).sub((byte) 8), q, qi + j, acc);
                acc = fmaB(shr(v, 4).and((byte) 0x0F).sub((byte) 8), q, qi + 16 + j, acc);
            }
            // The block's exact integer dot, then one FMA per block: llama.cpp's order (RowKernels.q4_0).
            total = Math.fma(acc.reduceLanes(VectorOperators.ADD), half(w, off) * d[di + b], total);
        }
        return total;
    }

    static float q4_1(MemorySegment w, long off, float[] q, int qi, float[] d, int di, float[] s, int si, int n) {
        // Lane totals in the 16-lane order (FixedMath.R): lane l holds elements l and l + 16 of
        // each block; narrower vectors hold the 16 lanes as halves (chunks 0 and 8) or quarters.
        FloatVector z = FloatVector.zero(F), t0 = z, t1 = z, t2 = z, t3 = z;
        float mins = 0;
        for (int b = 0; b < n / 32; b++, off += 20, qi += 32) {
            FloatVector sc = FloatVector.broadcast(F, half(w, off) * d[di + b]);
            if (FL >= 16) {
                ByteVector v = load(w, off + 4);
                t0 = fmaB(shr(v, 4).and((byte) 0x0F), q, qi + 16, fmaB(v.and((byte) 0x0F), q, qi, z)).fma(sc, t0);
            } else {
                ByteVector v = load(w, off + 4);
                ByteVector lo0 = v.and((byte) 0x0F), hi0 = shr(v, 4).and((byte) 0x0F);
                ByteVector v8 = load(w, off + 4 + 8);
                ByteVector lo8 = v8.and((byte) 0x0F), hi8 = shr(v8, 4).and((byte) 0x0F);
                if (FL == 8) {
                    t0 = fma1(hi0, q, qi + 16, fma1(lo0, q, qi, z)).fma(sc, t0);
                    t1 = fma1(hi8, q, qi + 24, fma1(lo8, q, qi + 8, z)).fma(sc, t1);
                } else {
                    t0 = fma1(hi0, q, qi + 16, fma1(lo0, q, qi, z)).fma(sc, t0);
                    t1 = fmaHi(hi0, q, qi + 16, fmaHi(lo0, q, qi, z)).fma(sc, t1);
                    t2 = fma1(hi8, q, qi + 24, fma1(lo8, q, qi + 8, z)).fma(sc, t2);
                    t3 = fmaHi(hi8, q, qi + 24, fmaHi(lo8, q, qi + 8, z)).fma(sc, t3);
                }
            }
            mins += half(w, off + 2) * s[si + b];
        }
        float sum = FL >= 16 ? FixedMath.sum(t0) : FL == 8 ? FixedMath.sum16(t0, t1) : FixedMath.sum16(t0, t1, t2, t3);
        return sum + mins;
    }

    static float q5_0(MemorySegment w, long off, float[] q, int qi, float[] d, int di, int n) {
        // Lane totals in the 16-lane order (FixedMath.R): lane l holds elements l and l + 16 of
        // each block; narrower vectors hold the 16 lanes as halves (chunks 0 and 8) or quarters.
        FloatVector z = FloatVector.zero(F), t0 = z, t1 = z, t2 = z, t3 = z;
        for (int b = 0; b < n / 32; b++, off += 22, qi += 32) {
            long qh = w.get(LE_INT, off + 2) & 0xFFFFFFFFL;
            FloatVector sc = FloatVector.broadcast(F, half(w, off) * d[di + b]);
            if (FL >= 16) {
                ByteVector v = load(w, off + 6);
                VectorMask<Byte> l0 = VectorMask.fromLong(B, qh & CHUNK_BITS), h0 = VectorMask.fromLong(B, (qh >>> 16) & CHUNK_BITS);
                t0 = fmaB(shr(v, 4).and((byte) 0x0F).sub((byte) 16, h0.not()), q, qi + 16, fmaB(v.and((byte) 0x0F).sub((byte) 16, l0.not()), q, qi, z)).fma(sc, t0);
            } else {
                ByteVector v = load(w, off + 6);
                VectorMask<Byte> l0 = VectorMask.fromLong(B, qh & CHUNK_BITS), h0 = VectorMask.fromLong(B, (qh >>> 16) & CHUNK_BITS);
                ByteVector lo0 = v.and((byte) 0x0F).sub((byte) 16, l0.not()), hi0 = shr(v, 4).and((byte) 0x0F).sub((byte) 16, h0.not());
                ByteVector v8 = load(w, off + 6 + 8);
                VectorMask<Byte> l8 = VectorMask.fromLong(B, (qh >>> 8) & CHUNK_BITS), h8 = VectorMask.fromLong(B, (qh >>> 24) & CHUNK_BITS);
                ByteVector lo8 = v8.and((byte) 0x0F).sub((byte) 16, l8.not()), hi8 = shr(v8, 4).and((byte) 0x0F).sub((byte) 16, h8.not());
                if (FL == 8) {
                    t0 = fma1(hi0, q, qi + 16, fma1(lo0, q, qi, z)).fma(sc, t0);
                    t1 = fma1(hi8, q, qi + 24, fma1(lo8, q, qi + 8, z)).fma(sc, t1);
                } else {
                    t0 = fma1(hi0, q, qi + 16, fma1(lo0, q, qi, z)).fma(sc, t0);
                    t1 = fmaHi(hi0, q, qi + 16, fmaHi(lo0, q, qi, z)).fma(sc, t1);
                    t2 = fma1(hi8, q, qi + 24, fma1(lo8, q, qi + 8, z)).fma(sc, t2);
                    t3 = fmaHi(hi8, q, qi + 24, fmaHi(lo8, q, qi + 8, z)).fma(sc, t3);
                }
            }
        }
        float sum = FL >= 16 ? FixedMath.sum(t0) : FL == 8 ? FixedMath.sum16(t0, t1) : FixedMath.sum16(t0, t1, t2, t3);
        return sum;
    }

    static float q5_1(MemorySegment w, long off, float[] q, int qi, float[] d, int di, float[] s, int si, int n) {
        // Lane totals in the 16-lane order (FixedMath.R): lane l holds elements l and l + 16 of
        // each block; narrower vectors hold the 16 lanes as halves (chunks 0 and 8) or quarters.
        FloatVector z = FloatVector.zero(F), t0 = z, t1 = z, t2 = z, t3 = z;
        float mins = 0;
        for (int b = 0; b < n / 32; b++, off += 24, qi += 32) {
            long qh = w.get(LE_INT, off + 4) & 0xFFFFFFFFL;
            FloatVector sc = FloatVector.broadcast(F, half(w, off) * d[di + b]);
            if (FL >= 16) {
                ByteVector v = load(w, off + 8);
                VectorMask<Byte> l0 = VectorMask.fromLong(B, qh & CHUNK_BITS), h0 = VectorMask.fromLong(B, (qh >>> 16) & CHUNK_BITS);
                t0 = fmaB(shr(v, 4).and((byte) 0x0F).add((byte) 16, h0), q, qi + 16, fmaB(v.and((byte) 0x0F).add((byte) 16, l0), q, qi, z)).fma(sc, t0);
            } else {
                ByteVector v = load(w, off + 8);
                VectorMask<Byte> l0 = VectorMask.fromLong(B, qh & CHUNK_BITS), h0 = VectorMask.fromLong(B, (qh >>> 16) & CHUNK_BITS);
                ByteVector lo0 = v.and((byte) 0x0F).add((byte) 16, l0), hi0 = shr(v, 4).and((byte) 0x0F).add((byte) 16, h0);
                ByteVector v8 = load(w, off + 8 + 8);
                VectorMask<Byte> l8 = VectorMask.fromLong(B, (qh >>> 8) & CHUNK_BITS), h8 = VectorMask.fromLong(B, (qh >>> 24) & CHUNK_BITS);
                ByteVector lo8 = v8.and((byte) 0x0F).add((byte) 16, l8), hi8 = shr(v8, 4).and((byte) 0x0F).add((byte) 16, h8);
                if (FL == 8) {
                    t0 = fma1(hi0, q, qi + 16, fma1(lo0, q, qi, z)).fma(sc, t0);
                    t1 = fma1(hi8, q, qi + 24, fma1(lo8, q, qi + 8, z)).fma(sc, t1);
                } else {
                    t0 = fma1(hi0, q, qi + 16, fma1(lo0, q, qi, z)).fma(sc, t0);
                    t1 = fmaHi(hi0, q, qi + 16, fmaHi(lo0, q, qi, z)).fma(sc, t1);
                    t2 = fma1(hi8, q, qi + 24, fma1(lo8, q, qi + 8, z)).fma(sc, t2);
                    t3 = fmaHi(hi8, q, qi + 24, fmaHi(lo8, q, qi + 8, z)).fma(sc, t3);
                }
            }
            mins += half(w, off + 2) * s[si + b];
        }
        float sum = FL >= 16 ? FixedMath.sum(t0) : FL == 8 ? FixedMath.sum16(t0, t1) : FixedMath.sum16(t0, t1, t2, t3);
        return sum + mins;
    }

    // ---- 256-element super-blocks (activation Q8_K) ----
    // Row loops accumulate in float per super-block as ggml does: d_w*d_x * sum(scale*dot) - dmin_w*d_x * sum(min*bsum).

    static float q2_K(MemorySegment w, long off, float[] q, int qi, float[] d, int di, float[] s, int si, int n) {
        float sumf = 0;
        for (int i = 0; i < n / 256; i++, off += 84, qi += 256, si += 16) {
            int summs = 0;
            for (int j = 0; j < 16; j++) {
                summs += (int) s[si + j] * (ScalarKernels.u8(w, off + j) >>> 4);
            }
            sumf += (d[di + i] * half(w, off + 80)) * q2KBlock(w, off, q, qi) - (d[di + i] * half(w, off + 82)) * summs;
        }
        return sumf;
    }

    private static float q2KBlock(MemorySegment w, long off, float[] q, int qi) {
        FloatVector sb = FloatVector.zero(F);
        for (int k = 0; k < 2; k++) {
            long q2 = off + 16 + 32 * k;
            for (int sh = 0; sh < 4; sh++) {
                for (int part = 0; part < 2; part++) {
                    int e = qi + 128 * k + 32 * sh + 16 * part;
                    FloatVector acc = FloatVector.zero(F);
                    for (int l = 0; l < 16; l += E) {
                        acc = fmaB(shr(load(w, q2 + 16 * part + l), 2 * sh).and((byte) 3), q, e + l, acc);
                    }
                    sb = scaleAdd(acc, ScalarKernels.u8(w, off + 8 * k + 2 * sh + part) & 0xF, sb);
                }
            }
        }
        return sb.reduceLanes(VectorOperators.ADD);
    }

    static float q3_K(MemorySegment w, long off, float[] q, int qi, float[] d, int di, int n) {
        float sumf = 0;
        for (int i = 0; i < n / 256; i++, off += 110, qi += 256) {
            sumf += (half(w, off + 108) * d[di + i]) * q3KBlock(w, off, q, qi);
        }
        return sumf;
    }

    private static float q3KBlock(MemorySegment w, long off, float[] q, int qi) {
        FloatVector sb = FloatVector.zero(F);
        for (int k = 0; k < 2; k++) {
            long q3 = off + 32 + 32 * k;
            for (int sh = 0; sh < 4; sh++) {
                byte m = (byte) (1 << (4 * k + sh));
                for (int part = 0; part < 2; part++) {
                    int j = 8 * k + 2 * sh + part;
                    int sc = byteOf(q3Scales(w, off + 96, j >>> 2), j & 3) - 32;
                    int e = qi + 128 * k + 32 * sh + 16 * part;
                    FloatVector acc = FloatVector.zero(F);
                    for (int l = 0; l < 16; l += E) {
                        int lq = 16 * part + l;
                        ByteVector c = shr(load(w, q3 + lq), 2 * sh).and((byte) 3);
                        VectorMask<Byte> noHigh = load(w, off + lq).and(m).compare(VectorOperators.EQ, (byte) 0);
                        acc = fmaB(c.sub((byte) 4, noHigh), q, e + l, acc);
                    }
                    sb = scaleAdd(acc, sc, sb);
                }
            }
        }
        return sb.reduceLanes(VectorOperators.ADD);
    }

    static float q4_K(MemorySegment w, long off, float[] q, int qi, float[] d, int di, float[] s, int si, int n) {
        float sumf = 0;
        for (int i = 0; i < n / 256; i++, off += 144, qi += 256, si += 16) {
            int mn0 = k4Scales(w, off + 4, 2), mn1 = k4Scales(w, off + 4, 3);
            int summs = 0;
            for (int j = 0; j < 8; j++) {
                summs += byteOf(j < 4 ? mn0 : mn1, j & 3) * ((int) s[si + 2 * j] + (int) s[si + 2 * j + 1]);
            }
            float isum = q4KBlock(w, off, q, qi, k4Scales(w, off + 4, 0), k4Scales(w, off + 4, 1));
            sumf += (half(w, off) * d[di + i]) * isum - (half(w, off + 2) * d[di + i]) * summs;
        }
        return sumf;
    }

    private static float q4KBlock(MemorySegment w, long off, float[] q, int qi, int sc0, int sc1) {
        FloatVector sb = FloatVector.zero(F);
        for (int j = 0; j < 4; j++) {
            long qs = off + 16 + 32 * j;
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            for (int l = 0; l < 32; l += E) {
                ByteVector v = load(w, qs + l);
                a1 = fmaB(v.and((byte) 0x0F), q, qi + 64 * j + l, a1);
                a2 = fmaB(shr(v, 4).and((byte) 0x0F), q, qi + 64 * j + 32 + l, a2);
            }
            int word = j < 2 ? sc0 : sc1;
            sb = scaleAdd(a1, byteOf(word, (2 * j) & 3), sb);
            sb = scaleAdd(a2, byteOf(word, (2 * j + 1) & 3), sb);
        }
        return sb.reduceLanes(VectorOperators.ADD);
    }

    static float q5_K(MemorySegment w, long off, float[] q, int qi, float[] d, int di, float[] s, int si, int n) {
        float sumf = 0;
        for (int i = 0; i < n / 256; i++, off += 176, qi += 256, si += 16) {
            int mn0 = k4Scales(w, off + 4, 2), mn1 = k4Scales(w, off + 4, 3);
            int summs = 0;
            for (int j = 0; j < 8; j++) {
                summs += byteOf(j < 4 ? mn0 : mn1, j & 3) * ((int) s[si + 2 * j] + (int) s[si + 2 * j + 1]);
            }
            float isum = q5KBlock(w, off, q, qi, k4Scales(w, off + 4, 0), k4Scales(w, off + 4, 1));
            sumf += (half(w, off) * d[di + i]) * isum - (half(w, off + 2) * d[di + i]) * summs;
        }
        return sumf;
    }

    private static float q5KBlock(MemorySegment w, long off, float[] q, int qi, int sc0, int sc1) {
        return q5KGroup(w, off, q, qi, sc0, 0) + q5KGroup(w, off, q, qi, sc0, 1)
                + q5KGroup(w, off, q, qi, sc1, 2) + q5KGroup(w, off, q, qi, sc1, 3);
    }

    /** 64-element group j (sub-blocks 2j, 2j+1); kept small for C2 (see q6KHalf). */
    private static float q5KGroup(MemorySegment w, long off, float[] q, int qi, int word, int j) {
        long ql = off + 48 + 32 * j;
        byte m1 = (byte) (1 << (2 * j));
        byte m2 = (byte) (2 << (2 * j));
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        for (int l = 0; l < 32; l += E) {
            ByteVector v = load(w, ql + l);
            ByteVector h = load(w, off + 16 + l);
            a1 = fmaB(v.and((byte) 0x0F).add(bit4(h, m1)), q, qi + 64 * j + l, a1);
            a2 = fmaB(shr(v, 4).and((byte) 0x0F).add(bit4(h, m2)), q, qi + 64 * j + 32 + l, a2);
        }
        return scaleAdd(a2, byteOf(word, (2 * j + 1) & 3), a1.mul(byteOf(word, (2 * j) & 3))).reduceLanes(VectorOperators.ADD);
    }

    /** 16 where (h & m) != 0, else 0 (m a single bit). */
    private static ByteVector bit4(ByteVector h, byte m) {
        return ByteVector.zero(B).blend((byte) 16, h.and(m).compare(VectorOperators.NE, (byte) 0));
    }

    static float q6_K(MemorySegment w, long off, float[] q, int qi, float[] d, int di, int n) {
        float sumf = 0;
        for (int i = 0; i < n / 256; i++, off += 210, qi += 256) {
            float isum = q6KHalf(w, off, off + 128, off + 192, q, qi) + q6KHalf(w, off + 64, off + 160, off + 200, q, qi + 128);
            sumf += (half(w, off + 208) * d[di + i]) * isum;
        }
        return sumf;
    }

    /**
     * One 128-element half of a Q6_K super-block: ql 64 bytes, qh 32 bytes, 8 int8 scales. Split
     * into small methods that return floats: a bigger method exceeds C2's inlining node budget
     * (NodeCountInliningCutoff) and its vectors get boxed.
     */
    private static float q6KHalf(MemorySegment w, long ql, long qh, long sc, float[] q, int e) {
        return q6KLow(w, ql, qh, sc, q, e, 0) + q6KLow(w, ql, qh, sc, q, e, 1)
                + q6KHigh(w, ql, qh, sc, q, e, 0) + q6KHigh(w, ql, qh, sc, q, e, 1);
    }

    /** Elements l and l+32 (low nibbles) of 16-element group g. */
    private static float q6KLow(MemorySegment w, long ql, long qh, long sc, float[] q, int e, int g) {
        FloatVector a1 = FloatVector.zero(F), a2 = FloatVector.zero(F);
        for (int l = 16 * g; l < 16 * g + 16; l += E) {
            ByteVector hh = load(w, qh + l);
            a1 = fmaB(load(w, ql + l).and((byte) 0x0F).add(shl(hh, 4).and((byte) 0x30)).sub((byte) 32), q, e + l, a1);
            a2 = fmaB(load(w, ql + l + 32).and((byte) 0x0F).add(shl(hh, 2).and((byte) 0x30)).sub((byte) 32), q, e + l + 32, a2);
        }
        return scaleAdd(a2, w.get(ValueLayout.JAVA_BYTE, sc + g + 2), a1.mul(w.get(ValueLayout.JAVA_BYTE, sc + g))).reduceLanes(VectorOperators.ADD);
    }

    /** Elements l+64 and l+96 (high nibbles) of 16-element group g. */
    private static float q6KHigh(MemorySegment w, long ql, long qh, long sc, float[] q, int e, int g) {
        FloatVector a3 = FloatVector.zero(F), a4 = FloatVector.zero(F);
        for (int l = 16 * g; l < 16 * g + 16; l += E) {
            ByteVector hh = load(w, qh + l);
            a3 = fmaB(shr(load(w, ql + l), 4).and((byte) 0x0F).add(hh.and((byte) 0x30)).sub((byte) 32), q, e + l + 64, a3);
            a4 = fmaB(shr(load(w, ql + l + 32), 4).and((byte) 0x0F).add(shr(hh, 2).and((byte) 0x30)).sub((byte) 32), q, e + l + 96, a4);
        }
        return scaleAdd(a4, w.get(ValueLayout.JAVA_BYTE, sc + g + 6), a3.mul(w.get(ValueLayout.JAVA_BYTE, sc + g + 4))).reduceLanes(VectorOperators.ADD);
    }
}
