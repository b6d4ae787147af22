package jllm.kernels;

import static jllm.kernels.VecKernels.B;
import static jllm.kernels.VecKernels.E;
import static jllm.kernels.VecKernels.F;
import static jllm.kernels.VecKernels.FL;
import static jllm.kernels.VecKernels.PARTS;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API row kernels that read a weight row from a {@code byte[]} (the row is first copied out
 * of the weight segment into a per-thread buffer, one bulk copy per row). Array loads are far
 * cheaper for C2 than segment loads (no scope/liveness checks, small IR), so the bigger K-quant
 * kernels inline fully instead of falling off C2's node budget and boxing their vectors.
 *
 * <p>Numerically the same as {@link VecKernels}/{@link ScalarKernels}: every block's integer dot
 * product is exact in float lanes; Q8_0/Q4_0 apply the block scale per block as a float FMA into
 * lane totals; K-quants sum the whole super-block (code x sub-block scale x activation code, all
 * exact) before the float formula. The matrix-matrix path ({@link #decode} + {@link #dot4})
 * decodes a row once into float codes and gives bit-identical results to the fused matVec kernels.
 */
final class RowKernels {
    private RowKernels() {}

    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** Float metadata per 256-element super-block in a decoded K-quant row: d, dmin, 8 mins. */
    static final int KMETA = 10;

    static boolean supports(jllm.formats.GgmlType t) {
        return switch (t) {
            case Q8_0, Q4_0, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    private static ByteVector load(byte[] w, int o) {
        return ByteVector.fromArray(B, w, o);
    }

    private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    /** The F16 at byte o (one 16-bit load: two byte loads and their merge cost four more instructions a block). */
    static float half(byte[] w, int o) {
        return Float.float16ToFloat((short) SHORT_LE.get(w, o));
    }

    private static int intLE(byte[] w, int o) {
        return (int) INT_LE.get(w, o);
    }

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

    /** acc + widen(v) * s * x[xi .. xi+E) (all exact small integers). */
    private static FloatVector fmaS(ByteVector v, float s, float[] x, int xi, FloatVector acc) {
        return PARTS == 1 ? fmaS1(v, s, x, xi, acc) : fmaS1(v, s, x, xi, fmaSHi(v, s, x, xi, acc));
    }

    private static FloatVector fmaS1(ByteVector v, float s, float[] x, int xi, FloatVector acc) {
        return ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).mul(s).fma(FloatVector.fromArray(F, x, xi), acc);
    }

    private static FloatVector fmaSHi(ByteVector v, float s, float[] x, int xi, FloatVector acc) {
        return ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).mul(s).fma(FloatVector.fromArray(F, x, xi + FL), acc);
    }

    /** c[ci .. ci+E) = widen(v) * s. */
    private static void store(ByteVector v, float s, float[] c, int ci) {
        ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).mul(s).intoArray(c, ci);
        if (PARTS == 2) {
            ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).mul(s).intoArray(c, ci + FL);
        }
    }

    private static ByteVector shr(ByteVector v, int n) {
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHR, n).reinterpretAsBytes();
    }

    /**
     * Left shift of bytes whose set bits stay below bit {@code 8-n}: done on 16-bit lanes (one
     * instruction on x86, which has no byte shifts; a true byte shift costs five).
     */
    private static ByteVector shlIn(ByteVector v, int n) {
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHL, n).reinterpretAsBytes();
    }

    // ---- fused row dot products (matVec) ----

    /**
     * Kernel kinds as int constants. The row loops pass them as literals: once a loop is compiled
     * with its helpers inlined, a switch on a constant int folds to the one kernel (an enum switch
     * goes through a lookup array C2 cannot fold, and would drag every kernel into every loop).
     */
    static final int KQ8_0 = 0, KQ4_0 = 1, KQ4_K = 2, KQ5_K = 3, KQ6_K = 4;
    /** Q4_0 matVec on 16-bit products ({@link #q4_0s}): rows of a multiple of 64 weights, 256-bit+ vectors. */
    static final int KQ4_0S = 5;
    /** Q6_K / Q4_K matVec on 16-bit products ({@link #q6_Ks}, {@link #q4_Ks}), where {@link #K_SHORT}. */
    static final int KQ6_KS = 6, KQ4_KS = 7;

    /** The matVec kind for a type and row width: {@link #KQ4_0S} where it applies. */
    static int matVecKind(jllm.formats.GgmlType t, int n) {
        int k = kind(t);
        return switch (k) {
            case KQ4_0 -> Q4_SHORT && n % 64 == 0 ? KQ4_0S : k;
            case KQ6_K -> K_SHORT ? KQ6_KS : k;
            case KQ4_K -> K_SHORT ? KQ4_KS : k;
            default -> k;
        };
    }

    /** The kind of a supported type, -1 for others. */
    static int kind(jllm.formats.GgmlType t) {
        return switch (t) {
            case Q8_0 -> KQ8_0;
            case Q4_0 -> KQ4_0;
            case Q4_K -> KQ4_K;
            case Q5_K -> KQ5_K;
            case Q6_K -> KQ6_K;
            default -> -1;
        };
    }

    /** Copies rows [r, r+count) of the segment w into wb (one bulk copy; the kernels then read the array). */
    static void copyRows(java.lang.foreign.MemorySegment w, long rowBytes, int r, int count, byte[] wb) {
        java.lang.foreign.MemorySegment.copy(w, java.lang.foreign.ValueLayout.JAVA_BYTE, r * rowBytes, wb, 0, (int) (count * rowBytes));
    }

    /**
     * Rows [r0, r1) (at most {@link #ROW_CHUNK}) times every activation row: each row decoded once
     * into float codes (c, m), then multiplied with the activation rows four at a time.
     */
    static void rowChunk(int kind, java.lang.foreign.MemorySegment w, long rowBytes, int r0, int r1, byte[] wb,
                         float[] c, float[] m, Activation a, int n, int batch, float[] y, int yOff, int ys) {
        int meta = metaPerRow(kind, n);
        for (int r = r0; r < r1; r++) {
            copyRows(w, rowBytes, r, 1, wb);
            decode(kind, wb, c, (r - r0) * n, m, (r - r0) * meta, n);
        }
        dotChunk(kind, c, m, meta, a, r0, r1, n, batch, y, yOff, ys);
    }

    /** Rows [r0, r1), decoded into c and m, times every activation row, four at a time. */
    private static void dotChunk(int kind, float[] c, float[] m, int meta, Activation a, int r0, int r1, int n, int batch,
                                 float[] y, int yOff, int ys) {
        for (int b = 0; b < batch; b += 4) {
            int cnt = Math.min(4, batch - b);
            for (int r = r0; r < r1; r++) {
                dot4(kind, c, (r - r0) * n, m, (r - r0) * meta, a, b, cnt, n, y, yOff + r, ys);
            }
        }
    }

    /** Rows decoded together by the matrix-matrix path (their float codes stay in L1/L2). */
    static final int ROW_CHUNK = 16;

    /** Float metadata per row in the matrix-matrix path. */
    static int metaPerRow(int kind, int n) {
        return kind == KQ8_0 || kind == KQ4_0 ? n / 32 : KMETA * (n / 256);
    }

    static float q8_0(byte[] w, float[] q, int qi, float[] d, int di, int n) {
        // One lane total, block after block, in the 16-lane order (FixedMath.R): the same float
        // order as VecKernels (and the fixtures) at every vector width.
        if (FL == 8) {
            FloatVector lo = FloatVector.zero(F), hi = lo;
            for (int b = 0; b < n / 32; b++) {
                int o = 34 * b + 2, x = qi + 32 * b;
                FloatVector s = FloatVector.broadcast(F, half(w, 34 * b) * d[di + b]);
                // the 16-lane block sum's lanes 0-7 (elements 0-7, 16-23) and 8-15 (8-15, 24-31)
                lo = fmaB(load(w, o + 16), q, x + 16, fmaB(load(w, o), q, x, FloatVector.zero(F))).fma(s, lo);
                hi = fmaB(load(w, o + 24), q, x + 24, fmaB(load(w, o + 8), q, x + 8, FloatVector.zero(F))).fma(s, hi);
            }
            return FixedMath.sum16(lo, hi);
        }
        if (FL == 4) {
            FloatVector z = FloatVector.zero(F), t0 = z, t1 = z, t2 = z, t3 = z;
            for (int b = 0; b < n / 32; b++) {
                int o = 34 * b + 2, x = qi + 32 * b;
                FloatVector s = FloatVector.broadcast(F, half(w, 34 * b) * d[di + b]);
                ByteVector v0 = load(w, o), v1 = load(w, o + 8), v2 = load(w, o + 16), v3 = load(w, o + 24);
                // quarters: elements 0-3 and 16-19, 4-7 and 20-23, 8-11 and 24-27, 12-15 and 28-31
                t0 = fma1(v2, q, x + 16, fma1(v0, q, x, z)).fma(s, t0);
                t1 = fmaHi(v2, q, x + 16, fmaHi(v0, q, x, z)).fma(s, t1);
                t2 = fma1(v3, q, x + 24, fma1(v1, q, x + 8, z)).fma(s, t2);
                t3 = fmaHi(v3, q, x + 24, fmaHi(v1, q, x + 8, z)).fma(s, t3);
            }
            return FixedMath.sum16(t0, t1, t2, t3);
        }
        FloatVector t = FloatVector.zero(F);
        for (int b = 0; b < n / 32; b++) {
            t = q8Block(w, 34 * b, q, qi + 32 * b, half(w, 34 * b) * d[di + b], t);
        }
        return FixedMath.sum(t);
    }

    private static FloatVector q8Block(byte[] w, int o, float[] q, int qi, float scale, FloatVector total) {
        FloatVector acc = FloatVector.zero(F);
        for (int j = 0; j < 32; j += E) {
            acc = fmaB(load(w, o + 2 + j), q, qi + j, acc);
        }
        return acc.fma(FloatVector.broadcast(F, scale), total);
    }

    /**
     * Q4_0 in llama.cpp's float order: each 32-block's integer dot exactly, then
     * {@code total = fma(isum, d_w * d_x, total)} block after block. This is what its x86 Q4_0
     * kernels do (the repacked 8-row GEMV/GEMM that every AVX2/AVX-512 build uses for Q4_0), and
     * matching it matters: a lane-split order differs in the last bits, and now and then such a bit
     * flips the rounding of a Q8_0 activation code downstream (stories260K "Once upon a time" then
     * diverges from llama.cpp at token 17). With this order its logits agree bit for bit.
     */
    static float q4_0(byte[] w, float[] q, int qi, float[] d, int di, int n) {
        float total = 0;
        for (int b = 0; b < n / 32; b++) {
            total = Math.fma(q4Block(w, 18 * b, q, qi + 32 * b), half(w, 18 * b) * d[di + b], total);
        }
        return total;
    }

    /**
     * Whether the int16 Q4_0 matVec applies: with AVX-512 (its 16-bit lane shuffles are single
     * instructions; on AVX2 they are emulated and the float path is as fast). Measured on this
     * project's machine, 2048x2048: 2.95 ns per block against 3.70 (AVX-512); 4.96 against 4.71
     * with -XX:UseAVX=2. {@code -Djllm.q4.int16=false} turns it off.
     */
    static final boolean Q4_SHORT = Simd.ENABLED && Simd.BITS >= 512 && !"false".equals(System.getProperty("jllm.q4.int16"));
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;

    /**
     * {@link #q4_0} (same order, same result) with 16-bit products: the 16 weight bytes of a block
     * zero-extend to 16 shorts, nibble times activation code is at most 15 x 127, so one 256-bit
     * multiply does 16 products (a float lane path needs a byte-to-float conversion per 16
     * weights, on half-rate 512-bit units). The lane sum may wrap in 16 bits; the true block sum,
     * {@code sum((nibble-8)*code) = sum(nibble*code) - 8*sum(code)}, lies within +-32512 and is
     * recovered exactly by wrapping the difference to a short.
     */
    static float q4_0s(byte[] w, short[] qs, int[] qsum, float[] d, int n) {
        float total = 0;
        for (int b = 0; b < n / 32; b += 2) {   // two blocks' sums from one shuffle tree (n % 64 == 0)
            ShortVector v = sum2(q4Products(w, 0, qs, b), q4Products(w, 0, qs, b + 1));
            total = Math.fma((float) (short) (v.lane(0) - 8 * qsum[b]), half(w, 18 * b) * d[b], total);
            total = Math.fma((float) (short) (v.lane(8) - 8 * qsum[b + 1]), half(w, 18 * b + 18) * d[b + 1], total);
        }
        return total;
    }

    /**
     * {@link #q4_0s} of two rows at once (row A at byte 0 of w, row B at byte {@code o2}), into
     * y[yi] and y[yi+1]: the same float order per row, so the same results. Each row's total is a
     * chain of dependent FMAs, one per block; with one row that chain's latency, not the vector
     * work, set the pace. Two interleaved chains keep the FMA unit busy.
     */
    static void q4_0s2(byte[] w, int o2, short[] qs, int[] qsum, float[] d, int n, float[] y, int yi) {
        float ta = 0, tb = 0;
        for (int b = 0; b < n / 32; b += 2) {
            ShortVector va = sum2(q4Products(w, 0, qs, b), q4Products(w, 0, qs, b + 1));
            ShortVector vb = sum2(q4Products(w, o2, qs, b), q4Products(w, o2, qs, b + 1));
            float d0 = d[b], d1 = d[b + 1];
            int z0 = 8 * qsum[b], z1 = 8 * qsum[b + 1];
            ta = Math.fma((float) (short) (va.lane(0) - z0), half(w, 18 * b) * d0, ta);
            tb = Math.fma((float) (short) (vb.lane(0) - z0), half(w, o2 + 18 * b) * d0, tb);
            ta = Math.fma((float) (short) (va.lane(8) - z1), half(w, 18 * b + 18) * d1, ta);
            tb = Math.fma((float) (short) (vb.lane(8) - z1), half(w, o2 + 18 * b + 18) * d1, tb);
        }
        y[yi] = ta;
        y[yi + 1] = tb;
    }

    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;

    /**
     * Eight Q4_0 rows interleaved as {@link Q4_0x8} lays them out (one group at byte g of the
     * copy w, read in place) times the activation, into y[yi .. yi+8). In llama.cpp's float order, bit for bit as {@link #q4_0s}:
     * each block's exact integer dot, then {@code total = fma(isum, d_w * d_x, total)} block after
     * block, with row r's total in float lane r.
     *
     * <p>Per block, 8 steps of one 16-byte load: row r's two bytes sit in 16-bit lanes 2r and
     * 2r+1, and multiply the codes of their two low-nibble and two high-nibble weights, broadcast
     * to every row ({@code qp} holds the codes in pairs, one int each). A lane adds 16 products of
     * at most 15 x 127, so 16 bits hold its sum exactly; the two lanes of a row then add as ints,
     * and {@code 8 * sum(codes)} ({@code qsum8}) takes the nibbles' offset of 8 out.
     *
     * <p>The kernel loads from the native copy itself. Copying each group to a byte[] first (as
     * the row kernels do with the mapped file) serialized memory and compute: 2.5-2.7 against
     * 1.3-1.4 ns per 32 weights, streaming a 1B model's Q4_0 layers at one thread.
     */
    static void q4_0x8(MemorySegment w, long g, int[] qp, int[] qsum8, float[] d, int nb, float[] y, int yi, float[] tot) {
        // The totals live in tot, not in a vector carried around the loop: C2 types a
        // loop-carried vector by its declared class (FloatVector) and binds calls on it by the
        // type profile of the JDK's shared vector methods; that misled it in 2 of 3 runs (every
        // vector then a heap object, 600 MB per token). A vector loaded from an array has an
        // exact type; the store and reload add a few cycles to a chain with 30 to spare. The
        // floats are of the preferred width (F: lanes 8.. unused on AVX-512), as in every other
        // kernel, so that these kernels add no vector class to those shared profiles.
        FloatVector.zero(F).intoArray(tot, 0);
        for (int b = 0; b < nb; b++) {
            long o = g + (long) Q4_0x8.BLOCK_BYTES * b + 16;
            int p = 16 * b;
            ShortVector s01 = x8Step(w, o, qp, p).add(x8Step(w, o + 16, qp, p + 1));
            ShortVector s23 = x8Step(w, o + 32, qp, p + 2).add(x8Step(w, o + 48, qp, p + 3));
            ShortVector s45 = x8Step(w, o + 64, qp, p + 4).add(x8Step(w, o + 80, qp, p + 5));
            ShortVector s67 = x8Step(w, o + 96, qp, p + 6).add(x8Step(w, o + 112, qp, p + 7));
            IntVector pairs = (IntVector) s01.add(s23).add(s45.add(s67)).reinterpretShape(I8, 0);
            IntVector isum = pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(pairs.lanewise(VectorOperators.ASHR, 16)).sub(qsum8[b]);
            FloatVector scale = halves8(w, g + (long) Q4_0x8.BLOCK_BYTES * b).mul(d[b]);
            ((FloatVector) isum.convertShape(VectorOperators.I2F, F, 0)).fma(scale, FloatVector.fromArray(F, tot, 0))
                    .intoArray(tot, 0);
        }
        System.arraycopy(tot, 0, y, yi, 8);
    }

    /** One step of {@link #q4_0x8}: the products of 16 bytes at w[o] with code pairs p (low nibbles) and p+8 (high). */
    private static ShortVector x8Step(MemorySegment w, long o, int[] qp, int p) {
        ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B16, w, o, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
        ShortVector lo = (ShortVector) IntVector.broadcast(I8, qp[p]).reinterpretShape(S16, 0);
        ShortVector hi = (ShortVector) IntVector.broadcast(I8, qp[p + 8]).reinterpretShape(S16, 0);
        return v.and((short) 0x0F).mul(lo).add(v.lanewise(VectorOperators.LSHR, 4).mul(hi));
    }

    /**
     * The 8 F16 values at w[o] as floats (lanes 0-7 of the preferred width), exactly as {@link Float#float16ToFloat} for finite
     * values: the exponent and mantissa bits move to float's places, which reads as the value
     * times 2^-112 (for subnormal halves too, as a subnormal float), and the product with 2^112
     * is exact. Infinities and NaNs would come out finite; {@link Interleave#pack} keeps them out.
     */
    static FloatVector halves8(MemorySegment w, long o) {
        IntVector h = (IntVector) ByteVector.fromMemorySegment(B16, w, o, ByteOrder.LITTLE_ENDIAN).reinterpretShape(ShortVector.SPECIES_128, 0)
                .convertShape(VectorOperators.ZERO_EXTEND_S2I, I8, 0);
        IntVector bits = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13)
                .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16));
        return ((FloatVector) bits.reinterpretShape(F, 0)).mul(0x1p112f);
    }

    /**
     * Eight Q4_K rows interleaved as {@link Q4_Kx8} lays them out (one group at byte g of the copy
     * w, read in place, see {@link #q4_0x8}) times the
     * Q8_K activation (codes in pairs by {@link Activation#pairCodesQ4K}, qk; 32-sums, bsum), into
     * y[yi .. yi+8), bit for bit as {@link #q4_Ks}: per super-block the exact integer sums (code
     * x sub-block scale x activation code; min x activation 32-sum), then
     * {@code total += (d_w d_x) isum - (dmin_w d_x) summs}, row r in float lane r.
     *
     * <p>One 32-byte step holds 4 bytes of each row, in 16-bit lanes 2r and 2r+1; the four
     * nibbles of a lane multiply four broadcast code pairs. Low and high nibbles (two sub-blocks)
     * go to two accumulators of 8 products a lane per half chunk (exact in 16 bits). The half
     * chunks are a loop, not straight-line code: unrolled, the kernel passed C2's inlining budget
     * (DesiredMethodLimit) and its vectors went to the heap. acc: 8 ints of scratch (no vector is
     * carried around a loop, see {@link #q4_0x8}); tot: the float totals' scratch, as there.
     */
    static void q4_Kx8(MemorySegment w, long g, int[] qk, int[] bsum, float[] d, int nsb, float[] y, int yi, int[] acc, float[] tot) {
        FloatVector.zero(F).intoArray(tot, 0);
        for (int i = 0; i < nsb; i++) {
            long o = g + (long) Q4_Kx8.SB_BYTES * i;
            IntVector.zero(I8).intoArray(acc, 0);
            for (int h = 0; h < 8; h++) {   // half chunk h: chunk h/2 (sub-blocks h/2*2, +1), steps 4(h%2)..+4
                long q = o + 160 + 128 * h, sc = o + 32 + 16 * (h >> 1);
                int x = 128 * i + 16 * h;
                ShortVector v0 = steps(w, q), v1 = steps(w, q + 32), v2 = steps(w, q + 64), v3 = steps(w, q + 96);
                ShortVector lo = kLo(v0, qk, x).add(kLo(v1, qk, x + 4)).add(kLo(v2, qk, x + 8).add(kLo(v3, qk, x + 12)));
                ShortVector hi = kHi(v0, qk, x).add(kHi(v1, qk, x + 4)).add(kHi(v2, qk, x + 8).add(kHi(v3, qk, x + 12)));
                rowSums(lo).mul(bytes8(w, sc)).add(rowSums(hi).mul(bytes8(w, sc + 8)))
                        .add(IntVector.fromArray(I8, acc, 0)).intoArray(acc, 0);
            }
            int b = 8 * i;
            IntVector summs = bytes8(w, o + 96).mul(bsum[b]).add(bytes8(w, o + 104).mul(bsum[b + 1]))
                    .add(bytes8(w, o + 112).mul(bsum[b + 2]).add(bytes8(w, o + 120).mul(bsum[b + 3])))
                    .add(bytes8(w, o + 128).mul(bsum[b + 4]).add(bytes8(w, o + 136).mul(bsum[b + 5]))
                            .add(bytes8(w, o + 144).mul(bsum[b + 6]).add(bytes8(w, o + 152).mul(bsum[b + 7]))));
            FloatVector isum = (FloatVector) IntVector.fromArray(I8, acc, 0).convertShape(VectorOperators.I2F, F, 0);
            FloatVector mins = (FloatVector) summs.convertShape(VectorOperators.I2F, F, 0);
            FloatVector plus = halves8(w, o).mul(d[i]).mul(isum), minus = halves8(w, o + 16).mul(d[i]).mul(mins);
            FloatVector.fromArray(F, tot, 0).add(plus.sub(minus)).intoArray(tot, 0);
        }
        System.arraycopy(tot, 0, y, yi, 8);
    }

    /**
     * Eight Q6_K rows interleaved as {@link Q6_Kx8} lays them out (signed codes, one group at
     * byte g of the copy w, read in place, see {@link #q4_0x8}) times the Q8_K activation (codes
     * in pairs, qp, as {@link Activation#pairCodes} makes them), into y[yi .. yi+8), bit for bit as
     * {@link #q6_Ks}: per super-block the exact integer sum (code x sub-block scale x activation
     * code), then {@code total += (d_w d_x) isum}, row r in float lane r.
     *
     * <p>One 16-byte step holds two columns of each row, in 16-bit lanes 2r and 2r+1, times a
     * broadcast code pair. A sub-block's 8 steps add 8 products a lane of at most 32 x 127:
     * exact in 16 bits. acc, tot: this thread's scratch (no vector is carried around a loop).
     */
    static void q6_Kx8(MemorySegment w, long g, int[] qp, float[] d, int nsb, float[] y, int yi, int[] acc, float[] tot) {
        FloatVector.zero(F).intoArray(tot, 0);
        for (int i = 0; i < nsb; i++) {
            long o = g + (long) Q6_Kx8.SB_BYTES * i;
            IntVector.zero(I8).intoArray(acc, 0);
            for (int j = 0; j < 16; j++) {
                long q = o + 144 + 128 * j;
                int p = 128 * i + 8 * j;
                ShortVector s = q6Step(w, q, qp, p).add(q6Step(w, q + 16, qp, p + 1))
                        .add(q6Step(w, q + 32, qp, p + 2).add(q6Step(w, q + 48, qp, p + 3)))
                        .add(q6Step(w, q + 64, qp, p + 4).add(q6Step(w, q + 80, qp, p + 5))
                                .add(q6Step(w, q + 96, qp, p + 6).add(q6Step(w, q + 112, qp, p + 7))));
                rowSums(s).mul(bytes8(w, o + 16 + 8 * j)).add(IntVector.fromArray(I8, acc, 0)).intoArray(acc, 0);
            }
            FloatVector isum = (FloatVector) IntVector.fromArray(I8, acc, 0).convertShape(VectorOperators.I2F, F, 0);
            halves8(w, o).mul(d[i]).mul(isum).add(FloatVector.fromArray(F, tot, 0)).intoArray(tot, 0);
        }
        System.arraycopy(tot, 0, y, yi, 8);
    }

    /** One step of {@link #q6_Kx8}: the 16 signed codes at w[o] times code pair qp[p]. */
    private static ShortVector q6Step(MemorySegment w, long o, int[] qp, int p) {
        return ((ShortVector) ByteVector.fromMemorySegment(B16, w, o, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2S, S16, 0)).mul(pair(qp, p));
    }

    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;

    /** One step at w[q] in 16-bit lanes: row r's 4 bytes in lanes 2r and 2r+1. */
    private static ShortVector steps(MemorySegment w, long q) {
        return (ShortVector) ByteVector.fromMemorySegment(B32, w, q, ByteOrder.LITTLE_ENDIAN).reinterpretShape(S16, 0);
    }

    /** The code pair qk[x] in every row's two lanes. */
    private static ShortVector pair(int[] qk, int x) {
        return (ShortVector) IntVector.broadcast(I8, qk[x]).reinterpretShape(S16, 0);
    }

    /** Low-nibble products of a step: bits 0-3 x code pair qk[x], bits 8-11 x pair qk[x+2]. */
    private static ShortVector kLo(ShortVector v, int[] qk, int x) {
        return v.lanewise(VectorOperators.AND, (short) 0x0F).mul(pair(qk, x))
                .add(v.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.AND, (short) 0x0F).mul(pair(qk, x + 2)));
    }

    /** High-nibble products of a step: bits 4-7 x code pair qk[x+1], bits 12-15 x pair qk[x+3]. */
    private static ShortVector kHi(ShortVector v, int[] qk, int x) {
        return v.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.AND, (short) 0x0F).mul(pair(qk, x + 1))
                .add(v.lanewise(VectorOperators.LSHR, 12).mul(pair(qk, x + 3)));
    }

    /** Int lane r: the sum of 16-bit lanes 2r and 2r+1 (each exact), sign-extended. */
    private static IntVector rowSums(ShortVector x) {
        IntVector v = (IntVector) x.reinterpretShape(I8, 0);
        return v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.ASHR, 16));
    }

    /**
     * The 8 bytes at w[o] (values below 128) as ints. Sign extension (B2I): with ZERO_EXTEND_B2I
     * from 64 bits, C2 left the conversion to its Java fallback (a heap vector per call).
     */
    private static IntVector bytes8(MemorySegment w, long o) {
        return (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, w, o, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2I, I8, 0);
    }

    /** Block b of the row at byte o: nibble x code products, two per lane (before the -8 offset), in 16 short lanes. */
    private static ShortVector q4Products(byte[] w, int o, short[] qs, int b) {
        ShortVector s = (ShortVector) ByteVector.fromArray(B16, w, o + 18 * b + 2).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
        return s.and((short) 0x0F).mul(ShortVector.fromArray(S16, qs, 32 * b))
                .add(s.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S16, qs, 32 * b + 16)));
    }

    private static final VectorMask<Short> BIT8 = VectorMask.fromLong(S16, laneBits(16, 8));
    private static final VectorShuffle<Short> XOR8 = VectorShuffle.fromOp(S16, i -> i ^ 8), XOR4 = VectorShuffle.fromOp(S16, i -> i ^ 4),
            XOR2 = VectorShuffle.fromOp(S16, i -> i ^ 2), XOR1 = VectorShuffle.fromOp(S16, i -> i ^ 1);

    /** The bits of a mask over {@code lanes} lanes that holds lane i where {@code (i & k) != 0} (the pairwise sums' blends). */
    private static long laneBits(int lanes, int k) {
        long bits = 0;
        for (int i = 0; i < lanes; i++) {
            if ((i & k) != 0) {
                bits |= 1L << i;
            }
        }
        return bits;
    }

    /**
     * The lane sums of two 16-lane vectors in lanes 0 and 8 of one (16-bit wrap-around, as the
     * caller wants): one pairwise step interleaves them, three halving steps finish; 5 shuffles
     * and adds per vector instead of a full reduction's 8.
     */
    private static ShortVector sum2(ShortVector a, ShortVector b) {
        ShortVector v = pairSum(a, b, BIT8, XOR8);
        // Lane i + lane i^4, i^2, i^1: the last two as rotations of 64- and 32-bit lanes (one
        // cycle each on x86, where a 16-bit lane permute takes several).
        v = v.add(v.reinterpretAsLongs().rearrange(LXOR1).reinterpretAsShorts());
        v = v.add(v.reinterpretAsLongs().lanewise(VectorOperators.ROL, 32).reinterpretAsShorts());
        return v.add(v.reinterpretAsInts().lanewise(VectorOperators.ROL, 16).reinterpretAsShorts());
    }

    private static final VectorShuffle<Long> LXOR1 = VectorShuffle.fromOp(jdk.incubator.vector.LongVector.SPECIES_256, i -> i ^ 1);

    /** Lanes without the mask's bit: x[i] + x[i^k]; lanes with it: y[i] + y[i^k]. */
    private static ShortVector pairSum(ShortVector x, ShortVector y, VectorMask<Short> bit, VectorShuffle<Short> swap) {
        return x.blend(y, bit).add(y.blend(x, bit).rearrange(swap));
    }

    /** The exact integer dot of one Q4_0 block with 32 activation codes (as a float). */
    private static float q4Block(byte[] w, int o, float[] q, int qi) {
        // Straight-line code, no loop over the block's halves: a vector carried around a loop is
        // typed by its declared class (FloatVector), and C2 then binds its FMA by the type profile
        // shared by all kernels. Compiled early with a thin profile (the launcher's low threshold
        // for the row loops), the FMA intrinsic failed and every vector became a heap object: a
        // cold 1B Q4_0 start on this (AVX2) float path then took 5-10 s to its first token in 8 of
        // 10 runs, and every prompt stayed that slow until the interleaved copies were made.
        ByteVector v = load(w, o + 2);
        FloatVector acc = fmaB(v.and((byte) 0x0F).sub((byte) 8), q, qi, FloatVector.zero(F));
        acc = fmaB(shr(v, 4).and((byte) 0x0F).sub((byte) 8), q, qi + 16, acc);
        if (E < 16) {   // a constant: 64-bit byte vectors take the block's 16 bytes in two halves
            ByteVector u = load(w, o + 2 + E);
            acc = fmaB(u.and((byte) 0x0F).sub((byte) 8), q, qi + E, acc);
            acc = fmaB(shr(u, 4).and((byte) 0x0F).sub((byte) 8), q, qi + 16 + E, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Whether Q4_0 batches of {@link MatMul#SMALL_BATCH_KERNELS} or more activation rows (below
     * BLAS's, and where no interleaved copy exists) take {@link #q4_0a8}, eight rows at a time
     * (a last group of fewer than {@link MatMul#SMALL_BATCH_KERNELS} row by row): with 256- and
     * 512-bit vectors. 8192x2048, batch 7, one thread, ms per
     * activation row: 0.75-0.85 against 1.38 (the matVec kernel row by row) under
     * {@code -XX:UseAVX=2}, 0.59 against 1.02 (the 16-bit one) with AVX-512. Its cost does not
     * depend on the batch (it computes 8 rows); the matVec kernels' grows with it, and they are
     * as fast at 4 rows. Against the tiled kernel that larger batches took before, ms per
     * activation row: 0.66-0.73 against 0.73-0.91 at 16-64 rows under {@code -XX:UseAVX=2},
     * 0.48-0.52 against 0.65-0.90 with AVX-512 (12 rows: as fast), and a cold prompt of 9-31
     * tokens no longer waits for the tiled kernel's compile (21 tokens, cold 1B: first token 1.6
     * -> 1.25-1.35 s from JVM start). {@code -Djllm.q4.a8=false} turns it off.
     */
    static final boolean Q4_A8 = Simd.ENABLED && (FL == 8 || FL == 16) && !"false".equals(System.getProperty("jllm.q4.a8"));
    /** Activation rows of {@link #q4_0a8}. */
    static final int A8 = 8;

    /**
     * One Q4_0 row (at w[o]) times {@link #A8} activation rows at once: row a's codes at q[a*n ..], its
     * block scales transposed in dT (dT[8*block + a], 0 for rows past the batch); row a's total
     * into tot[t + a]. Each block is decoded to floats once and meets all eight rows, where the matVec
     * kernel ({@link #q4_0}) decodes it once per activation row, and the eight block sums are
     * reduced together in one shuffle tree ({@link #sum8}) instead of eight horizontal reductions.
     * The order per activation row is {@link #q4_0}'s, so the results are the same bit for bit:
     * each block's exact integer dot (products of at most 8 x 127, sums below 2^24, exact in any
     * order), then {@code total = fma(isum, d_w * d_x, total)} block after block. The totals live
     * in tot, not in a vector carried around the loop (see {@link #q4_0x8}).
     */
    static void q4_0a8(byte[] w, int o, float[] q, int n, float[] dT, float[] tot, int t) {
        FloatVector.zero(F).intoArray(tot, t);
        for (int b = 0; b < n / 32; b++) {
            int wo = o + 18 * b, x = 32 * b;
            FloatVector isum;
            if (E == 16) {   // a constant (512-bit floats): elements 0-15 in the low nibbles, 16-31 in the high
                ByteVector v = load(w, wo + 2);
                FloatVector w0 = nibbles(v), w1 = nibbles(shr(v, 4));
                isum = sum8(blockDot(w0, w1, q, x), blockDot(w0, w1, q, x + n),
                        blockDot(w0, w1, q, x + 2 * n), blockDot(w0, w1, q, x + 3 * n),
                        blockDot(w0, w1, q, x + 4 * n), blockDot(w0, w1, q, x + 5 * n),
                        blockDot(w0, w1, q, x + 6 * n), blockDot(w0, w1, q, x + 7 * n));
                isum = isum.add(isum.rearrange(FXOR8));   // lanes 8-15 held the second halves' sums
            } else {   // 8 bytes at a time: bytes 0-7 hold elements 0-7 (low nibbles) and 16-23 (high), 8-15 hold 8-15 and 24-31
                ByteVector v = load(w, wo + 2), u = load(w, wo + 2 + E);
                FloatVector w0 = nibbles(v), w1 = nibbles(u), w2 = nibbles(shr(v, 4)), w3 = nibbles(shr(u, 4));
                isum = sum8(blockDot(w0, w1, w2, w3, q, x), blockDot(w0, w1, w2, w3, q, x + n),
                        blockDot(w0, w1, w2, w3, q, x + 2 * n), blockDot(w0, w1, w2, w3, q, x + 3 * n),
                        blockDot(w0, w1, w2, w3, q, x + 4 * n), blockDot(w0, w1, w2, w3, q, x + 5 * n),
                        blockDot(w0, w1, w2, w3, q, x + 6 * n), blockDot(w0, w1, w2, w3, q, x + 7 * n));
            }
            // lanes 8-15 of 512-bit vectors: the next block's scales times a copy of the sums, never read
            FloatVector scale = FloatVector.fromArray(F, dT, A8 * b).mul(half(w, wo));
            isum.fma(scale, FloatVector.fromArray(F, tot, t)).intoArray(tot, t);
        }
    }

    /** The low nibbles of v's 8 bytes minus 8, as floats. */
    private static FloatVector nibbles(ByteVector v) {
        return (FloatVector) v.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0);
    }

    /** Lane products of one block's 32 weights (w0: elements 0-15, w1: 16-31) with the codes at q[x ..]. */
    private static FloatVector blockDot(FloatVector w0, FloatVector w1, float[] q, int x) {
        return w1.fma(FloatVector.fromArray(F, q, x + 16), w0.mul(FloatVector.fromArray(F, q, x)));
    }

    /** Lane products of one block's 32 weights (w0-w3, elements 0-7, 8-15, 16-23, 24-31) with the codes at q[x ..]. */
    private static FloatVector blockDot(FloatVector w0, FloatVector w1, FloatVector w2, FloatVector w3, float[] q, int x) {
        return w3.fma(FloatVector.fromArray(F, q, x + 24), w2.fma(FloatVector.fromArray(F, q, x + 16),
                w1.fma(FloatVector.fromArray(F, q, x + 8), w0.mul(FloatVector.fromArray(F, q, x)))));
    }

    private static final VectorMask<Float> FBIT1 = VectorMask.fromLong(F, laneBits(FL, 1)),
            FBIT2 = VectorMask.fromLong(F, laneBits(FL, 2)), FBIT4 = VectorMask.fromLong(F, laneBits(FL, 4));
    private static final VectorShuffle<Float> FXOR1 = VectorShuffle.fromOp(F, i -> (i ^ 1) % FL),
            FXOR2 = VectorShuffle.fromOp(F, i -> (i ^ 2) % FL), FXOR4 = VectorShuffle.fromOp(F, i -> (i ^ 4) % FL),
            FXOR8 = VectorShuffle.fromOp(F, i -> (i ^ 8) % FL);

    /**
     * Lane a: the sum of all 8 lanes of a_a (8-lane vectors; of 16 lanes, lanes a and 8+a hold
     * the sums of each half): three pairwise steps of blends, swaps and adds.
     */
    private static FloatVector sum8(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3,
                                    FloatVector a4, FloatVector a5, FloatVector a6, FloatVector a7) {
        FloatVector s03 = pairSum(pairSum(a0, a1, FBIT1, FXOR1), pairSum(a2, a3, FBIT1, FXOR1), FBIT2, FXOR2);
        FloatVector s47 = pairSum(pairSum(a4, a5, FBIT1, FXOR1), pairSum(a6, a7, FBIT1, FXOR1), FBIT2, FXOR2);
        return pairSum(s03, s47, FBIT4, FXOR4);
    }

    /** Lanes without the mask's bit: x[i] + x[i^k]; lanes with it: y[i] + y[i^k]. */
    private static FloatVector pairSum(FloatVector x, FloatVector y, VectorMask<Float> bit, VectorShuffle<Float> swap) {
        return x.blend(y, bit).add(y.blend(x, bit).rearrange(swap));
    }

    private static int kScales(int u0, int u2) {
        return (u2 & 0x0f0f0f0f) | (((u0 >>> 6) & 0x03030303) << 4);
    }

    private static int kMins(int u1, int u2) {
        return ((u2 >>> 4) & 0x0f0f0f0f) | (((u1 >>> 6) & 0x03030303) << 4);
    }

    /** sum over the 8 sub-blocks of min x (sum of the activation's 32 codes). */
    private static int summs(int mn0, int mn1, int[] p, int pi) {
        return (mn0 & 0xFF) * p[pi] + ((mn0 >>> 8) & 0xFF) * p[pi + 1] + ((mn0 >>> 16) & 0xFF) * p[pi + 2]
                + (mn0 >>> 24) * p[pi + 3] + (mn1 & 0xFF) * p[pi + 4] + ((mn1 >>> 8) & 0xFF) * p[pi + 5]
                + ((mn1 >>> 16) & 0xFF) * p[pi + 6] + (mn1 >>> 24) * p[pi + 7];
    }

    static float q4_K(byte[] w, float[] q, int qi, float[] d, int di, int[] p, int pi, int n) {
        float sumf = 0;
        int o = 0;
        for (int i = 0; i < n / 256; i++, o += 144, qi += 256) {
            int u0 = intLE(w, o + 4), u1 = intLE(w, o + 8), u2 = intLE(w, o + 12);
            int summs = summs(u1 & 0x3f3f3f3f, kMins(u1, u2), p, pi + 8 * i);
            float isum = q4KBlock(w, o + 16, q, qi, u0 & 0x3f3f3f3f, kScales(u0, u2));
            sumf += (half(w, o) * d[di + i]) * isum - (half(w, o + 2) * d[di + i]) * summs;
        }
        return sumf;
    }

    private static float q4KBlock(byte[] w, int qs, float[] q, int e, int sc0, int sc1) {
        FloatVector acc = FloatVector.zero(F), acc2 = acc, acc3 = acc, acc4 = acc;
        for (int j = 0; j < 4; j++) {
            int word = j < 2 ? sc0 : sc1;
            float s1 = (word >>> (16 * (j & 1))) & 0xFF;
            float s2 = (word >>> (16 * (j & 1) + 8)) & 0xFF;
            for (int l = 0; l < 32; l += 2 * E) {   // 4 independent chains (latency), exact integer lanes
                ByteVector v = load(w, qs + 32 * j + l);
                ByteVector u = load(w, qs + 32 * j + l + E);
                acc = fmaS(v.and((byte) 0x0F), s1, q, e + 64 * j + l, acc);
                acc2 = fmaS(shr(v, 4).and((byte) 0x0F), s2, q, e + 64 * j + 32 + l, acc2);
                acc3 = fmaS(u.and((byte) 0x0F), s1, q, e + 64 * j + l + E, acc3);
                acc4 = fmaS(shr(u, 4).and((byte) 0x0F), s2, q, e + 64 * j + 32 + l + E, acc4);
            }
        }
        return acc.add(acc2).add(acc3.add(acc4)).reduceLanes(VectorOperators.ADD);
    }

    static float q5_K(byte[] w, float[] q, int qi, float[] d, int di, int[] p, int pi, int n) {
        float sumf = 0;
        int o = 0;
        for (int i = 0; i < n / 256; i++, o += 176, qi += 256) {
            int u0 = intLE(w, o + 4), u1 = intLE(w, o + 8), u2 = intLE(w, o + 12);
            int summs = summs(u1 & 0x3f3f3f3f, kMins(u1, u2), p, pi + 8 * i);
            float isum = q5KBlock(w, o, q, qi, u0 & 0x3f3f3f3f, kScales(u0, u2));
            sumf += (half(w, o) * d[di + i]) * isum - (half(w, o + 2) * d[di + i]) * summs;
        }
        return sumf;
    }

    private static float q5KBlock(byte[] w, int o, float[] q, int e, int sc0, int sc1) {
        FloatVector acc = FloatVector.zero(F), acc2 = acc;
        for (int j = 0; j < 4; j++) {
            int word = j < 2 ? sc0 : sc1;
            float s1 = (word >>> (16 * (j & 1))) & 0xFF;
            float s2 = (word >>> (16 * (j & 1) + 8)) & 0xFF;
            for (int l = 0; l < 32; l += E) {
                ByteVector v = load(w, o + 48 + 32 * j + l);
                ByteVector h = shr(load(w, o + 16 + l), 2 * j);   // bits 2j, 2j+1 now at 0, 1
                acc = fmaS(v.and((byte) 0x0F).or(shlIn(h.and((byte) 0x01), 4)), s1, q, e + 64 * j + l, acc);
                acc2 = fmaS(shr(v, 4).and((byte) 0x0F).or(shlIn(h.and((byte) 0x02), 3)), s2, q, e + 64 * j + 32 + l, acc2);
            }
        }
        return acc.add(acc2).reduceLanes(VectorOperators.ADD);
    }

    static float q6_K(byte[] w, float[] q, int qi, float[] d, int di, int n) {
        float sumf = 0;
        int o = 0;
        for (int i = 0; i < n / 256; i++, o += 210, qi += 256) {
            float isum = 0;
            for (int k = 0; k < 4; k++) {   // one call site: C2 inlines its helpers within budget
                int h = k >>> 1;
                isum += q6KQuarter(w, o + 64 * h, o + 128 + 32 * h, o + 192 + 8 * h, q, qi + 128 * h, k & 1);
            }
            sumf += (half(w, o + 208) * d[di + i]) * isum;
        }
        return sumf;
    }

    /**
     * Two of the four 32-element products of a 128-element half (part 0: elements l, l+32 from
     * the low nibbles; part 1: l+64, l+96 from the high nibbles); exact integer sum.
     */
    private static float q6KQuarter(byte[] w, int ql, int qh, int sc, float[] q, int e, int part) {
        FloatVector a1 = FloatVector.zero(F), a2 = a1;
        int ns = 4 * part;
        int k1 = 2 * part;
        for (int l = 0; l < 32; l += E) {
            int g = sc + (l >>> 4) + 2 * k1;
            ByteVector hh = load(w, qh + l);
            a1 = fmaS(shr(load(w, ql + l), ns).and((byte) 0x0F).or(shlIn(shr(hh, 2 * k1).and((byte) 0x03), 4)).sub((byte) 32),
                    w[g], q, e + 32 * k1 + l, a1);
            a2 = fmaS(shr(load(w, ql + l + 32), ns).and((byte) 0x0F).or(shlIn(shr(hh, 2 * k1 + 2).and((byte) 0x03), 4)).sub((byte) 32),
                    w[g + 2], q, e + 32 * k1 + 32 + l, a2);
        }
        return a1.add(a2).reduceLanes(VectorOperators.ADD);
    }

    /**
     * Whether the K-quant matVec kernels on 16-bit products ({@link #q6_Ks}, {@link #q4_Ks}) are
     * used: 256-bit vectors or wider, and C2's parse-time node budget lifted
     * ({@code -XX:MaxTrivialSize=1000}, set by the launcher, the tests and the benchmarks). These
     * kernels are too big for the default budget: C2 stops inlining their helpers, the vectors
     * are boxed, and they run 4x slower than the float path, which is then kept.
     * {@code -Djllm.kquant.int16=false} turns them off.
     */
    static final boolean K_SHORT = Simd.ENABLED && Simd.BITS >= 256 && InlineBudget.WIDE
            && !"false".equals(System.getProperty("jllm.kquant.int16"));

    /** Reads the JVM's inlining flag once (kept apart: it loads java.management). */
    static final class InlineBudget {
        static final int NEEDED = 1000;
        static final boolean WIDE = maxTrivialSize() >= NEEDED;

        private static long maxTrivialSize() {
            try {
                return Long.parseLong(vmOption("MaxTrivialSize"));
            } catch (RuntimeException | LinkageError e) {
                return 0;   // not HotSpot, or no management module: keep the float path
            }
        }

        /** A HotSpot option's value as text; throws where there is no such option or no HotSpot. */
        static String vmOption(String name) {
            return java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                    .getVMOption(name).getValue();
        }

        /** The JVM options the fast kernels need that this JVM was started without (see MatMul.missingJvmFlags). */
        static java.util.List<String> missing() {
            java.util.List<String> m = new java.util.ArrayList<>();
            try {
                if (maxTrivialSize() < NEEDED) {
                    m.add("-XX:MaxTrivialSize=" + NEEDED);
                }
                if (!"false".equals(vmOption("IncrementalInline"))) {
                    m.add("-XX:-IncrementalInline");
                }
            } catch (RuntimeException | LinkageError e) {
                // not HotSpot: nothing to advise
            }
            return java.util.List.copyOf(m);
        }
    }

    /** 16-bit lanes of one full-width vector; the bytes that widen to them; the ints their pairs sum to. */
    private static final VectorSpecies<Short> SK = Simd.BITS >= 512 ? ShortVector.SPECIES_512 : ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> BK = Simd.BITS >= 512 ? ByteVector.SPECIES_256 : ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> IK = Simd.BITS >= 512 ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    /** Elements per 16-bit vector: 32 (AVX-512) or 16. */
    private static final int SL = SK.length();
    /** With 32 elements a vector: its int lanes of the second 16 elements (the next sub-block). */
    private static final VectorMask<Integer> HIGH8 = VectorMask.fromLong(IK, 0xFF00L);

    /**
     * Sum of adjacent 16-bit values as int lanes: lane i = p[2i] + p[2i+1] (what x86's pmaddwd
     * does; the Vector API has no such op), exact while that sum fits a short. As an int, lane i
     * is {@code hi * 65536 + lo} (lo unsigned); adding {@code lo << 16} puts {@code hi + lo mod
     * 2^16} in the top half, and the arithmetic shift brings it down with its sign.
     */
    private static IntVector pairs(ShortVector p) {
        IntVector v = p.reinterpretAsInts();
        return v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
    }

    /**
     * Signed codes (bytes) times activation codes, pair-summed, times the Q6_K sub-block scales
     * that {@code pick} selects from the super-block's 16 scale bytes (widened to ints: lanes
     * 0-7 the first sub-block's scale, lanes 8-15 the second's). The scales come from a load and
     * a byte shuffle, not from scalar broadcasts: C2 now and then leaves a broadcast of a loaded
     * scalar unintrinsified in this kernel, and the whole product then allocates.
     */
    private static IntVector q6Group(ByteVector c, short[] qs, int e, ByteVector scales, VectorShuffle<Byte> pick) {
        ShortVector p = ((ShortVector) c.convertShape(VectorOperators.B2S, SK, 0)).mul(ShortVector.fromArray(SK, qs, e));
        return pairs(p).mul((IntVector) scales.rearrange(pick).convertShape(VectorOperators.B2I, IK, 0));
    }

    /** Byte shuffles over the 16 Q6_K scales: G[j] puts scale j in bytes 0-7 and scale j+1 (SL = 32) or j in bytes 8-15. */
    private static final VectorShuffle<Byte> G0 = scalePick(0), G1 = scalePick(1), G2 = scalePick(2), G3 = scalePick(3),
            G4 = scalePick(4), G5 = scalePick(5), G6 = scalePick(6), G7 = scalePick(7), G8 = scalePick(8), G9 = scalePick(9),
            G10 = scalePick(10), G11 = scalePick(11), G12 = scalePick(12), G13 = scalePick(13), G14 = scalePick(14), G15 = scalePick(15);

    private static VectorShuffle<Byte> scalePick(int j) {
        return VectorShuffle.fromOp(B16, i -> i < 8 ? j : (SL == 32 ? j + 1 : j));
    }

    /**
     * {@link #SL} positions l of a Q6_K 128-element half (ql, qh: its bits at l; e: element l):
     * the four elements l, l+32, l+64, l+96 each, with their scales picked by g0..g3.
     */
    private static IntVector q6Part(byte[] w, int ql, int qh, short[] qs, int e, ByteVector scales, IntVector acc,
                                    VectorShuffle<Byte> g0, VectorShuffle<Byte> g1, VectorShuffle<Byte> g2, VectorShuffle<Byte> g3) {
        ByteVector l0 = ByteVector.fromArray(BK, w, ql), l1 = ByteVector.fromArray(BK, w, ql + 32);
        ByteVector hb = ByteVector.fromArray(BK, w, qh);
        IntVector a = q6Group(l0.and((byte) 0x0F).or(shlInK(hb, 4).and((byte) 0x30)).sub((byte) 32), qs, e, scales, g0)
                .add(q6Group(l1.and((byte) 0x0F).or(shlInK(hb, 2).and((byte) 0x30)).sub((byte) 32), qs, e + 32, scales, g1));
        IntVector b = q6Group(shrK(l0, 4).and((byte) 0x0F).or(hb.and((byte) 0x30)).sub((byte) 32), qs, e + 64, scales, g2)
                .add(q6Group(shrK(l1, 4).and((byte) 0x0F).or(shrK(hb, 2).and((byte) 0x30)).sub((byte) 32), qs, e + 96, scales, g3));
        return acc.add(a.add(b));
    }

    /**
     * {@link #shr} and {@link #shlIn} for the {@link #BK} vectors of the 16-bit kernels only. The
     * shared helpers see 64-, 128- and 256-bit vectors, so the type profile of their
     * reinterpreting calls is polymorphic, and a kernel compiled with it now and then kept those
     * calls virtual (every vector of the product then allocated). One species per helper keeps
     * each call site monomorphic. (C2 still, in about one run in five, leaves the short-to-byte
     * reinterpretation here unintrinsified; true byte shifts avoid it but cost 45% of the
     * kernel's speed on every run.)
     */
    private static ByteVector shrK(ByteVector v, int n) {
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHR, n).reinterpretAsBytes();
    }

    private static ByteVector shlInK(ByteVector v, int n) {
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHL, n).reinterpretAsBytes();
    }

    /** {@link #shr} for the 64-bit vectors of {@link #vecSumMins} only (see {@link #shrK}). */
    private static ByteVector shr8(ByteVector v, int n) {
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHR, n).reinterpretAsBytes();
    }

    /**
     * {@link #q6_K} on 16-bit products: code (-32..31) x activation code (-128..127) fits a
     * short; adjacent pairs are summed into ints and multiplied by their sub-block scale in int
     * lanes. The super-block's integer sum is exact, as in the float path: the same result.
     */
    static float q6_Ks(byte[] w, short[] qs, float[] d, int n) {
        float sumf = 0;
        for (int i = 0, o = 0; i < n / 256; i++, o += 210) {
            // No vector carried around a loop: such a phi is typed by its declared class, and
            // C2 now and then failed to unbox it (the whole kernel then allocates per operation).
            int isum;
            if (SL == 32) {
                ByteVector sc = ByteVector.fromArray(B16, w, o + 192);
                isum = q6Part(w, o + 64, o + 160, qs, 256 * i + 128, sc,
                        q6Part(w, o, o + 128, qs, 256 * i, sc, IntVector.zero(IK), G0, G2, G4, G6), G8, G10, G12, G14)
                        .reduceLanes(VectorOperators.ADD);
            } else {
                // 16-element vectors (AVX2): a loop over the two 16-element halves of each
                // 32-element stretch, each turn's sum reduced to an int (exact, so the same result
                // in any order). The second half's scales are the odd ones: its scale vector is
                // loaded one byte further on, and the same shuffles pick them. Against four
                // straight-line parts: half the code for C2 to compile (a cold start waits for
                // it; C2 57 against 118 ms, C1 24 against 50), and 9% faster (8192x2048, batch 7,
                // one thread, -XX:UseAVX=2, 3 alternating pairs: 1.97-2.04 against 2.17-2.24 ms
                // per activation row).
                isum = 0;
                for (int t = 0; t < 2; t++) {
                    ByteVector st = ByteVector.fromArray(B16, w, o + 192 + t);
                    IntVector acc = q6Part(w, o + 16 * t, o + 128 + 16 * t, qs, 256 * i + 16 * t, st, IntVector.zero(IK),
                            G0, G2, G4, G6);
                    isum += q6Part(w, o + 64 + 16 * t, o + 160 + 16 * t, qs, 256 * i + 128 + 16 * t, st, acc,
                            G8, G10, G12, G14).reduceLanes(VectorOperators.ADD);
                }
            }
            sumf += (half(w, o + 208) * d[i]) * (float) isum;
        }
        return sumf;
    }

    /** Bytes of two 16-bit vectors' worth of Q4_K nibbles: loaded as shorts, four nibbles a lane. */
    private static final VectorSpecies<Byte> BW = Simd.BITS >= 512 ? ByteVector.SPECIES_512 : ByteVector.SPECIES_256;

    /**
     * {@link #q4_K} on 16-bit products. The nibbles are loaded as 16-bit lanes, each holding two
     * bytes, i.e. four nibbles: elements 2i and 2i+1 of a 32-element sub-block (low nibbles) and
     * the same two of the next one (high nibbles). The activation codes come in the matching
     * order ({@link Activation#q4kCodes}), so two multiplies and an add give the sum of adjacent
     * products in a short (at most 2 x 15 x 128), and {@link #pairs} widens sums of four to ints
     * for the sub-block scale. Exact: the same result as the float path.
     */
    static float q4_Ks(byte[] w, short[] qk, float[] d, int[] p, int n) {
        float sumf = 0;
        for (int i = 0, o = 0; i < n / 256; i++, o += 144) {
            int u0 = intLE(w, o + 4), u1 = intLE(w, o + 8), u2 = intLE(w, o + 12);
            int summs = vecSumMins(w, o, p, 8 * i);
            int sc0 = u0 & 0x3f3f3f3f, sc1 = kScales(u0, u2);
            int isum;   // no vector carried around a loop (see q6_Ks)
            if (SL == 32) {   // group g: chunks 2g (int lanes 0-7), 2g+1 (lanes 8-15); scale bytes 0, 2 (low), 1, 3 (high)
                isum = q4kGroup(w, o + 16, qk, 256 * i, pairScale(sc0, 0), pairScale(sc0, 8))
                        .add(q4kGroup(w, o + 80, qk, 256 * i + 128, pairScale(sc1, 0), pairScale(sc1, 8)))
                        .reduceLanes(VectorOperators.ADD);
            } else {          // group g: chunk g; two groups a turn, each turn's sum an int (as q6_Ks):
                isum = 0;     // C2 59 against 93 ms, C1 19 against 68, as fast as four straight-line groups
                for (int j = 0; j < 2; j++) {
                    isum += q4kGroup(w, o + 16 + 32 * j, qk, 256 * i + 64 * j, scale(sc0, 16 * j), scale(sc0, 16 * j + 8))
                            .add(q4kGroup(w, o + 80 + 32 * j, qk, 256 * i + 128 + 64 * j, scale(sc1, 16 * j), scale(sc1, 16 * j + 8)))
                            .reduceLanes(VectorOperators.ADD);
                }
            }
            sumf += (half(w, o) * d[i]) * (float) isum - (half(w, o + 2) * d[i]) * summs;
        }
        return sumf;
    }

    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    /** Byte lanes 4-7 of 8. */
    private static final VectorMask<Byte> UPPER4 = VectorMask.fromLong(B8, 0xF0L);
    /** Lanes 4-7 take lanes 0-3. */
    private static final VectorShuffle<Byte> UP4 = VectorShuffle.fromOp(B8, i -> i & 3);

    /**
     * {@link #summs} for the K-quant super-block at o, in vector lanes: the 8 six-bit mins
     * unpacked from scale bytes 4..11 (mins 0-3: bytes 4-7 & 63; mins 4-7: bytes 8-11 >> 4,
     * plus bits 6-7 of bytes 4-7 above them), times the activation's 32-sums p[pi..pi+8).
     */
    private static int vecSumMins(byte[] w, int o, int[] p, int pi) {
        ByteVector q = ByteVector.fromArray(B8, w, o + 8);
        ByteVector high = shr8(q, 4).and((byte) 0x0F).or(shr8(q, 2).and((byte) 0x30).rearrange(UP4));
        IntVector mins = (IntVector) q.and((byte) 0x3F).blend(high, UPPER4)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, IntVector.SPECIES_256, 0);
        return mins.mul(IntVector.fromArray(IntVector.SPECIES_256, p, pi)).reduceLanes(VectorOperators.ADD);
    }

    /**
     * One group of 4 x {@link #SL} Q4_K elements (quant bytes at qo, codes at qk[e..]): low and
     * high nibble products, pair-summed, times their sub-block scales.
     */
    private static IntVector q4kGroup(byte[] w, int qo, short[] qk, int e, IntVector sLo, IntVector sHi) {
        ShortVector x = ByteVector.fromArray(BW, w, qo).reinterpretAsShorts();
        ShortVector lo = x.and((short) 0x0F).mul(ShortVector.fromArray(SK, qk, e))
                .add(x.lanewise(VectorOperators.LSHR, 8).and((short) 0x0F).mul(ShortVector.fromArray(SK, qk, e + SL)));
        ShortVector hi = x.lanewise(VectorOperators.LSHR, 4).and((short) 0x0F).mul(ShortVector.fromArray(SK, qk, e + 2 * SL))
                .add(x.lanewise(VectorOperators.LSHR, 12).mul(ShortVector.fromArray(SK, qk, e + 3 * SL)));
        return pairs(lo).mul(sLo).add(pairs(hi).mul(sHi));
    }

    /** The scale byte at bit {@code shift} of a packed scale word, in every int lane. */
    private static IntVector scale(int word, int shift) {
        return IntVector.broadcast(IK, (word >>> shift) & 0xFF);
    }

    /** Scale bytes at bits {@code shift} (int lanes 0-7) and {@code shift + 16} (lanes 8-15). */
    private static IntVector pairScale(int word, int shift) {
        return IntVector.broadcast(IK, (word >>> shift) & 0xFF).blend((word >>> (shift + 16)) & 0xFF, HIGH8);
    }

    /**
     * Whether Q4_K batches of {@link MatMul#SMALL_BATCH_KERNELS} or more activation rows (below
     * BLAS's, where no interleaved copy exists) take {@link #q4_Ka8}, eight rows at a time: with
     * 256-bit vectors, where {@link #q4_Ks} works on 16 shorts. {@code -Djllm.q4k.a8=false} turns
     * it off.
     */
    static final boolean Q4K_A8 = K_SHORT && SL == 16 && !"false".equals(System.getProperty("jllm.q4k.a8"));

    /**
     * One Q4_K row (at w[o]) times {@link #A8} activation rows at once, each as {@link #q4_Ks}
     * computes it, so with the same results bit for bit: row a's codes in q4_Ks' order at
     * qk[a*n ..] ({@link Activation#q4kCodesRows}), its 32-sums and Q8_K scales transposed in
     * bsumT (bsumT[8*k + a], k the 32-block) and dT (dT[8*i + a], i the super-block; 0 for rows
     * past the batch); row a's total into tot[t + a]. The nibbles of each group are unpacked once
     * for all eight rows, the rows' exact integer sums reduced together ({@link #sum8}), and the
     * mins' sums taken as one vector over the rows. acc: 64 ints of scratch (the rows' running
     * sums: no vector is carried around a loop, see {@link #q4_0x8}).
     */
    static void q4_Ka8(byte[] w, int o0, short[] qk, int n, int[] bsumT, float[] dT, int[] acc, float[] tot, int t) {
        FloatVector.zero(F).intoArray(tot, t);
        for (int i = 0; i < n / 256; i++) {
            int o = o0 + 144 * i;
            int u0 = intLE(w, o + 4), u1 = intLE(w, o + 8), u2 = intLE(w, o + 12);
            int sc0 = u0 & 0x3f3f3f3f, sc1 = kScales(u0, u2), mn0 = u1 & 0x3f3f3f3f, mn1 = kMins(u1, u2);
            for (int a = 0; a < A8; a++) {
                IntVector.zero(IK).intoArray(acc, 8 * a);
            }
            for (int j = 0; j < 2; j++) {   // as q4_Ks: group g is chunk g, two groups a turn
                q4kGroups(w, o + 16 + 32 * j, qk, n, 256 * i + 64 * j, scale(sc0, 16 * j), scale(sc0, 16 * j + 8), acc);
                q4kGroups(w, o + 80 + 32 * j, qk, n, 256 * i + 128 + 64 * j, scale(sc1, 16 * j), scale(sc1, 16 * j + 8), acc);
            }
            IntVector isum = sum8(IntVector.fromArray(IK, acc, 0), IntVector.fromArray(IK, acc, 8),
                    IntVector.fromArray(IK, acc, 16), IntVector.fromArray(IK, acc, 24),
                    IntVector.fromArray(IK, acc, 32), IntVector.fromArray(IK, acc, 40),
                    IntVector.fromArray(IK, acc, 48), IntVector.fromArray(IK, acc, 56));
            int k = 8 * (8 * i);
            IntVector summs = IntVector.fromArray(IK, bsumT, k).mul(mn0 & 0xFF)
                    .add(IntVector.fromArray(IK, bsumT, k + 8).mul((mn0 >>> 8) & 0xFF))
                    .add(IntVector.fromArray(IK, bsumT, k + 16).mul((mn0 >>> 16) & 0xFF)
                            .add(IntVector.fromArray(IK, bsumT, k + 24).mul(mn0 >>> 24)))
                    .add(IntVector.fromArray(IK, bsumT, k + 32).mul(mn1 & 0xFF)
                            .add(IntVector.fromArray(IK, bsumT, k + 40).mul((mn1 >>> 8) & 0xFF))
                            .add(IntVector.fromArray(IK, bsumT, k + 48).mul((mn1 >>> 16) & 0xFF)
                                    .add(IntVector.fromArray(IK, bsumT, k + 56).mul(mn1 >>> 24))));
            FloatVector dx = FloatVector.fromArray(F, dT, A8 * i);
            FloatVector plus = dx.mul(half(w, o)).mul((FloatVector) isum.convertShape(VectorOperators.I2F, F, 0));
            FloatVector minus = dx.mul(half(w, o + 2)).mul((FloatVector) summs.convertShape(VectorOperators.I2F, F, 0));
            FloatVector.fromArray(F, tot, t).add(plus.sub(minus)).intoArray(tot, t);
        }
    }

    /**
     * {@link #q4kGroup} for the eight activation rows (codes of row a at qk[a*n + e ..]): the
     * group's nibbles unpacked once, each row's products added to its running sums acc[8a ..].
     */
    private static void q4kGroups(byte[] w, int qo, short[] qk, int n, int e, IntVector sLo, IntVector sHi, int[] acc) {
        ShortVector x = ByteVector.fromArray(BW, w, qo).reinterpretAsShorts();
        ShortVector n0 = x.and((short) 0x0F), n1 = x.lanewise(VectorOperators.LSHR, 8).and((short) 0x0F);
        ShortVector n2 = x.lanewise(VectorOperators.LSHR, 4).and((short) 0x0F), n3 = x.lanewise(VectorOperators.LSHR, 12);
        for (int a = 0; a < A8; a++) {
            int ea = a * n + e;
            ShortVector lo = n0.mul(ShortVector.fromArray(SK, qk, ea)).add(n1.mul(ShortVector.fromArray(SK, qk, ea + SL)));
            ShortVector hi = n2.mul(ShortVector.fromArray(SK, qk, ea + 2 * SL)).add(n3.mul(ShortVector.fromArray(SK, qk, ea + 3 * SL)));
            pairs(lo).mul(sLo).add(pairs(hi).mul(sHi)).add(IntVector.fromArray(IK, acc, 8 * a)).intoArray(acc, 8 * a);
        }
    }

    private static final VectorMask<Integer> IBIT1 = VectorMask.fromLong(IK, laneBits(IK.length(), 1)),
            IBIT2 = VectorMask.fromLong(IK, laneBits(IK.length(), 2)), IBIT4 = VectorMask.fromLong(IK, laneBits(IK.length(), 4));
    private static final VectorShuffle<Integer> IXOR1 = VectorShuffle.fromOp(IK, i -> i ^ 1),
            IXOR2 = VectorShuffle.fromOp(IK, i -> i ^ 2), IXOR4 = VectorShuffle.fromOp(IK, i -> i ^ 4);

    /** {@link #sum8} for 8-lane int vectors. */
    private static IntVector sum8(IntVector a0, IntVector a1, IntVector a2, IntVector a3,
                                  IntVector a4, IntVector a5, IntVector a6, IntVector a7) {
        IntVector s03 = pairSum(pairSum(a0, a1, IBIT1, IXOR1), pairSum(a2, a3, IBIT1, IXOR1), IBIT2, IXOR2);
        IntVector s47 = pairSum(pairSum(a4, a5, IBIT1, IXOR1), pairSum(a6, a7, IBIT1, IXOR1), IBIT2, IXOR2);
        return pairSum(s03, s47, IBIT4, IXOR4);
    }

    private static IntVector pairSum(IntVector x, IntVector y, VectorMask<Integer> bit, VectorShuffle<Integer> swap) {
        return x.blend(y, bit).add(y.blend(x, bit).rearrange(swap));
    }

    /** Activation codes per 16-bit lane in {@link #q4_Ks}' order, for {@link Activation#q4kCodes}. */
    static int q4kLanes() {
        return SL;
    }

    // ---- decode once, dot with several activation rows (matMul) ----

    /**
     * Decodes weight row {@code w} into exact float codes {@code c[0..n)} (K-quants: code x
     * sub-block scale) and metadata {@code m}: Q8_0/Q4_0 the block scale per 32; K-quants
     * {@link #KMETA} floats per super-block (d, dmin, 8 mins).
     */
    static void decode(jllm.formats.GgmlType t, byte[] w, float[] c, int co, float[] m, int mo0, int n) {
        int k = kind(t);
        if (k < 0) {
            throw new IllegalArgumentException(t.toString());
        }
        decode(k, w, c, co, m, mo0, n);
    }

    static void decode(int kind, byte[] w, float[] c, int co, float[] m, int mo0, int n) {
        switch (kind) {
            case KQ8_0 -> {
                for (int b = 0, o = 0; b < n / 32; b++, o += 34) {
                    m[mo0 + b] = half(w, o);
                    for (int j = 0; j < 32; j += E) {
                        store(load(w, o + 2 + j), 1f, c, co + 32 * b + j);
                    }
                }
            }
            case KQ4_0 -> {
                for (int b = 0, o = 0; b < n / 32; b++, o += 18) {
                    m[mo0 + b] = half(w, o);
                    for (int j = 0; j < 16; j += E) {
                        ByteVector v = load(w, o + 2 + j);
                        store(v.and((byte) 0x0F).sub((byte) 8), 1f, c, co + 32 * b + j);
                        store(shr(v, 4).and((byte) 0x0F).sub((byte) 8), 1f, c, co + 32 * b + 16 + j);
                    }
                }
            }
            case KQ4_K, KQ5_K -> {
                boolean five = kind == KQ5_K;
                int bs = five ? 176 : 144;
                for (int i = 0, o = 0; i < n / 256; i++, o += bs) {
                    int u0 = intLE(w, o + 4), u1 = intLE(w, o + 8), u2 = intLE(w, o + 12);
                    int sc0 = u0 & 0x3f3f3f3f, sc1 = kScales(u0, u2), mn0 = u1 & 0x3f3f3f3f, mn1 = kMins(u1, u2);
                    int mo = mo0 + KMETA * i;
                    m[mo] = half(w, o);
                    m[mo + 1] = half(w, o + 2);
                    for (int j = 0; j < 4; j++) {
                        m[mo + 2 + j] = (mn0 >>> (8 * j)) & 0xFF;
                        m[mo + 6 + j] = (mn1 >>> (8 * j)) & 0xFF;
                    }
                    if (five) {
                        q5KDecode(w, o, sc0, sc1, c, co + 256 * i);
                    } else {
                        q4KDecode(w, o, sc0, sc1, c, co + 256 * i);
                    }
                }
            }
            default -> {
                for (int i = 0, o = 0; i < n / 256; i++, o += 210) {
                    int mo = mo0 + KMETA * i;
                    m[mo] = half(w, o + 208);
                    for (int k = 1; k < KMETA; k++) {
                        m[mo + k] = 0;
                    }
                    for (int k = 0; k < 4; k++) {   // one call site (C2 node budget, see q6_K)
                        int h = k >>> 1;
                        q6KDecodeQuarter(w, o + 64 * h, o + 128 + 32 * h, o + 192 + 8 * h, c, co + 256 * i + 128 * h, k & 1);
                    }
                }
            }
        }
    }

    private static void q4KDecode(byte[] w, int o, int sc0, int sc1, float[] c, int e0) {
        for (int j = 0; j < 4; j++) {
            int word = j < 2 ? sc0 : sc1;
            float s1 = (word >>> (16 * (j & 1))) & 0xFF;
            float s2 = (word >>> (16 * (j & 1) + 8)) & 0xFF;
            int e = e0 + 64 * j;
            for (int l = 0; l < 32; l += E) {
                ByteVector v = load(w, o + 16 + 32 * j + l);
                store(v.and((byte) 0x0F), s1, c, e + l);
                store(shr(v, 4).and((byte) 0x0F), s2, c, e + 32 + l);
            }
        }
    }

    private static void q5KDecode(byte[] w, int o, int sc0, int sc1, float[] c, int e0) {
        for (int j = 0; j < 4; j++) {
            int word = j < 2 ? sc0 : sc1;
            float s1 = (word >>> (16 * (j & 1))) & 0xFF;
            float s2 = (word >>> (16 * (j & 1) + 8)) & 0xFF;
            int e = e0 + 64 * j;
            for (int l = 0; l < 32; l += E) {
                ByteVector v = load(w, o + 48 + 32 * j + l);
                ByteVector h = shr(load(w, o + 16 + l), 2 * j);
                store(v.and((byte) 0x0F).or(shlIn(h.and((byte) 0x01), 4)), s1, c, e + l);
                store(shr(v, 4).and((byte) 0x0F).or(shlIn(h.and((byte) 0x02), 3)), s2, c, e + 32 + l);
            }
        }
    }

    private static void q6KDecodeQuarter(byte[] w, int ql, int qh, int sc, float[] c, int e, int part) {
        int ns = 4 * part;
        int k1 = 2 * part;
        for (int l = 0; l < 32; l += E) {
            int g = sc + (l >>> 4) + 2 * k1;
            ByteVector hh = load(w, qh + l);
            store(shr(load(w, ql + l), ns).and((byte) 0x0F).or(shlIn(shr(hh, 2 * k1).and((byte) 0x03), 4)).sub((byte) 32),
                    w[g], c, e + 32 * k1 + l);
            store(shr(load(w, ql + l + 32), ns).and((byte) 0x0F).or(shlIn(shr(hh, 2 * k1 + 2).and((byte) 0x03), 4)).sub((byte) 32),
                    w[g + 2], c, e + 32 * k1 + 32 + l);
        }
    }

    /** Dequantizes a row to floats: {@link #decode} into out, then the block scales applied in place. */
    static void dequantize(jllm.formats.GgmlType t, byte[] w, float[] out, int oo, float[] m, int n) {
        int k = kind(t);
        if (k < 0) {
            throw new IllegalArgumentException(t.toString());
        }
        dequantize(k, w, out, oo, m, n);
    }

    /** {@link #dequantize} by kernel kind (a literal kind folds the switches to one type's code). */
    static void dequantize(int kind, byte[] w, float[] out, int oo, float[] m, int n) {
        decode(kind, w, out, oo, m, 0, n);
        if (kind == KQ8_0 || kind == KQ4_0) {
            for (int b = 0; b < n / 32; b++) {
                FloatVector s = FloatVector.broadcast(F, m[b]);
                for (int j = oo + 32 * b; j < oo + 32 * b + 32; j += FL) {
                    FloatVector.fromArray(F, out, j).mul(s).intoArray(out, j);
                }
            }
            return;
        }
        for (int i = 0; i < n / 256; i++) {
            int mo = KMETA * i;
            FloatVector d = FloatVector.broadcast(F, m[mo]);
            for (int sb = 0; sb < 8; sb++) {
                FloatVector mn = FloatVector.broadcast(F, -m[mo + 1] * m[mo + 2 + sb]);
                for (int j = oo + 256 * i + 32 * sb; j < oo + 256 * i + 32 * sb + 32; j += FL) {
                    FloatVector.fromArray(F, out, j).fma(d, mn).intoArray(out, j);
                }
            }
        }
    }

    /**
     * Decoded row times activation rows b0..b0+3 (Q8 activation buffers laid out per batch row),
     * results into y[yo + b*ys] for b in b0..b0+cnt). {@code cnt} 1..4.
     */
    static void dot4(int kind, float[] c, int co, float[] m, int mo, Activation a, int b0, int cnt, int n, float[] y, int yo, int ys) {
        switch (kind) {
            case KQ8_0 -> dot32(false, c, co, m, mo, a, b0, cnt, n, y, yo, ys);
            case KQ4_0 -> dot32(true, c, co, m, mo, a, b0, cnt, n, y, yo, ys);
            default -> dotK(c, co, m, mo, a, b0, cnt, n, y, yo, ys);
        }
    }

    /**
     * Decoded Q8_0/Q4_0 rows times up to four activation rows. Q8_0 keeps one lane total per row
     * and adds each block's scale with a vector FMA; Q4_0 ({@code exact}) follows {@link #q4_0}'s
     * order: each block's exact sum, then one scalar FMA per block, bit-identical to the matVec.
     */
    private static void dot32(boolean exact, float[] c, int co, float[] m, int mo, Activation a, int b0, int cnt, int n,
                              float[] y, int yo, int ys) {
        float[] q = a.q, d = a.d;
        int nb = n / 32;
        if (!exact && FL < FixedMath.R) {   // Q8_0 in the 16-lane order: 8 lanes take four activation rows at once
            if (FL == 8 && cnt == 4) {
                q8DecodedFour(c, co, m, mo, q, d, n, nb, b0, y, yo, ys);
                return;
            }
            for (int k = 0; k < cnt; k++) {
                y[yo + (b0 + k) * ys] = q8Decoded(c, co, m, mo, q, (b0 + k) * n, d, (b0 + k) * nb, nb);
            }
            return;
        }
        int b1 = cnt > 1 ? b0 + 1 : b0, b2 = cnt > 2 ? b0 + 2 : b0, b3 = cnt > 3 ? b0 + 3 : b0;
        int q0 = b0 * n, q1 = b1 * n, q2 = b2 * n, q3 = b3 * n;
        int d0 = b0 * nb, d1 = b1 * nb, d2 = b2 * nb, d3 = b3 * nb;
        FloatVector z = FloatVector.zero(F);
        FloatVector e0 = z, e1 = z, e2 = z, e3 = z;
        float f0 = 0, f1 = 0, f2 = 0, f3 = 0;
        for (int b = 0; b < nb; b++) {
            FloatVector a0 = z, a1 = z, a2 = z, a3 = z;
            for (int j = 32 * b; j < 32 * b + 32; j += FL) {
                FloatVector cv = FloatVector.fromArray(F, c, co + j);
                a0 = cv.fma(FloatVector.fromArray(F, q, q0 + j), a0);
                a1 = cv.fma(FloatVector.fromArray(F, q, q1 + j), a1);
                a2 = cv.fma(FloatVector.fromArray(F, q, q2 + j), a2);
                a3 = cv.fma(FloatVector.fromArray(F, q, q3 + j), a3);
            }
            float s = m[mo + b];
            if (exact) {
                f0 = Math.fma(a0.reduceLanes(VectorOperators.ADD), s * d[d0 + b], f0);
                f1 = Math.fma(a1.reduceLanes(VectorOperators.ADD), s * d[d1 + b], f1);
                f2 = Math.fma(a2.reduceLanes(VectorOperators.ADD), s * d[d2 + b], f2);
                f3 = Math.fma(a3.reduceLanes(VectorOperators.ADD), s * d[d3 + b], f3);
            } else {
                e0 = a0.fma(FloatVector.broadcast(F, s * d[d0 + b]), e0);
                e1 = a1.fma(FloatVector.broadcast(F, s * d[d1 + b]), e1);
                e2 = a2.fma(FloatVector.broadcast(F, s * d[d2 + b]), e2);
                e3 = a3.fma(FloatVector.broadcast(F, s * d[d3 + b]), e3);
            }
        }
        y[yo + b0 * ys] = exact ? f0 : FixedMath.sum(e0);
        if (cnt > 1) y[yo + b1 * ys] = exact ? f1 : FixedMath.sum(e1);
        if (cnt > 2) y[yo + b2 * ys] = exact ? f2 : FixedMath.sum(e2);
        if (cnt > 3) y[yo + b3 * ys] = exact ? f3 : FixedMath.sum(e3);
    }

    /** {@link #q8_0} on a decoded row (codes c, block scales m) for one activation row, where FL < 16. */
    private static float q8Decoded(float[] c, int co, float[] m, int mo, float[] q, int qo, float[] d, int dOff, int nb) {
        FloatVector z = FloatVector.zero(F);
        if (FL == 8) {
            FloatVector lo = z, hi = z;
            for (int b = 0; b < nb; b++) {
                int j = 32 * b;
                FloatVector s = FloatVector.broadcast(F, m[mo + b] * d[dOff + b]);
                lo = pairFma(fc(c, co + j), fc(c, co + j + 16), q, qo + j).fma(s, lo);
                hi = pairFma(fc(c, co + j + 8), fc(c, co + j + 24), q, qo + j + 8).fma(s, hi);
            }
            return FixedMath.sum16(lo, hi);
        }
        FloatVector t0 = z, t1 = z, t2 = z, t3 = z;
        for (int b = 0; b < nb; b++) {
            int j = 32 * b;
            FloatVector s = FloatVector.broadcast(F, m[mo + b] * d[dOff + b]);
            t0 = pairFma(fc(c, co + j), fc(c, co + j + 16), q, qo + j).fma(s, t0);
            t1 = pairFma(fc(c, co + j + 4), fc(c, co + j + 20), q, qo + j + 4).fma(s, t1);
            t2 = pairFma(fc(c, co + j + 8), fc(c, co + j + 24), q, qo + j + 8).fma(s, t2);
            t3 = pairFma(fc(c, co + j + 12), fc(c, co + j + 28), q, qo + j + 12).fma(s, t3);
        }
        return FixedMath.sum16(t0, t1, t2, t3);
    }

    /** {@link #q8Decoded} for activation rows k .. k + 3 at once (FL == 8). */
    private static void q8DecodedFour(float[] c, int co, float[] m, int mo, float[] q, float[] d, int n, int nb, int k,
                                      float[] y, int yo, int ys) {
        FloatVector z = FloatVector.zero(F), l0 = z, h0 = z, l1 = z, h1 = z, l2 = z, h2 = z, l3 = z, h3 = z;
        int q0 = k * n, q1 = q0 + n, q2 = q1 + n, q3 = q2 + n, d0 = k * nb, d1 = d0 + nb, d2 = d1 + nb, d3 = d2 + nb;
        for (int b = 0; b < nb; b++) {
            int j = 32 * b;
            float w = m[mo + b];
            FloatVector c0 = fc(c, co + j), c1 = fc(c, co + j + 8), c2 = fc(c, co + j + 16), c3 = fc(c, co + j + 24);
            l0 = pairFma(c0, c2, q, q0 + j).fma(FloatVector.broadcast(F, w * d[d0 + b]), l0);
            h0 = pairFma(c1, c3, q, q0 + j + 8).fma(FloatVector.broadcast(F, w * d[d0 + b]), h0);
            l1 = pairFma(c0, c2, q, q1 + j).fma(FloatVector.broadcast(F, w * d[d1 + b]), l1);
            h1 = pairFma(c1, c3, q, q1 + j + 8).fma(FloatVector.broadcast(F, w * d[d1 + b]), h1);
            l2 = pairFma(c0, c2, q, q2 + j).fma(FloatVector.broadcast(F, w * d[d2 + b]), l2);
            h2 = pairFma(c1, c3, q, q2 + j + 8).fma(FloatVector.broadcast(F, w * d[d2 + b]), h2);
            l3 = pairFma(c0, c2, q, q3 + j).fma(FloatVector.broadcast(F, w * d[d3 + b]), l3);
            h3 = pairFma(c1, c3, q, q3 + j + 8).fma(FloatVector.broadcast(F, w * d[d3 + b]), h3);
        }
        y[yo + k * ys] = FixedMath.sum16(l0, h0);
        y[yo + (k + 1) * ys] = FixedMath.sum16(l1, h1);
        y[yo + (k + 2) * ys] = FixedMath.sum16(l2, h2);
        y[yo + (k + 3) * ys] = FixedMath.sum16(l3, h3);
    }

    /** a * q[qi ..] + b * q[qi + 16 ..]: two code vectors 16 elements apart (exact integers). */
    private static FloatVector pairFma(FloatVector a, FloatVector b, float[] q, int qi) {
        return b.fma(FloatVector.fromArray(F, q, qi + 16), a.mul(FloatVector.fromArray(F, q, qi)));
    }

    private static FloatVector fc(float[] c, int ci) {
        return FloatVector.fromArray(F, c, ci);
    }

    private static void dotK(float[] c, int co, float[] m, int mo0, Activation a, int b0, int cnt, int n, float[] y, int yo, int ys) {
        float[] q = a.q, d = a.d, s = a.s;
        int nb = n / 256;
        int b1 = cnt > 1 ? b0 + 1 : b0, b2 = cnt > 2 ? b0 + 2 : b0, b3 = cnt > 3 ? b0 + 3 : b0;
        int q0 = b0 * n, q1 = b1 * n, q2 = b2 * n, q3 = b3 * n;
        float f0 = 0, f1 = 0, f2 = 0, f3 = 0;
        for (int i = 0; i < nb; i++) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 256 * i; j < 256 * i + 256; j += FL) {
                FloatVector cv = FloatVector.fromArray(F, c, co + j);
                a0 = cv.fma(FloatVector.fromArray(F, q, q0 + j), a0);
                a1 = cv.fma(FloatVector.fromArray(F, q, q1 + j), a1);
                a2 = cv.fma(FloatVector.fromArray(F, q, q2 + j), a2);
                a3 = cv.fma(FloatVector.fromArray(F, q, q3 + j), a3);
            }
            int mo = mo0 + KMETA * i;
            f0 += kTerm(a0.reduceLanes(VectorOperators.ADD), m, mo, d[b0 * nb + i], s, (b0 * n) / 16 + 16 * i);
            f1 += kTerm(a1.reduceLanes(VectorOperators.ADD), m, mo, d[b1 * nb + i], s, (b1 * n) / 16 + 16 * i);
            f2 += kTerm(a2.reduceLanes(VectorOperators.ADD), m, mo, d[b2 * nb + i], s, (b2 * n) / 16 + 16 * i);
            f3 += kTerm(a3.reduceLanes(VectorOperators.ADD), m, mo, d[b3 * nb + i], s, (b3 * n) / 16 + 16 * i);
        }
        y[yo + b0 * ys] = f0;
        if (cnt > 1) y[yo + b1 * ys] = f1;
        if (cnt > 2) y[yo + b2 * ys] = f2;
        if (cnt > 3) y[yo + b3 * ys] = f3;
    }

    private static float kTerm(float isum, float[] m, int mo, float dx, float[] s, int si) {
        float dmin = m[mo + 1];
        if (dmin == 0f && m[mo + 2] == 0f && m[mo + 3] == 0f && m[mo + 4] == 0f && m[mo + 5] == 0f
                && m[mo + 6] == 0f && m[mo + 7] == 0f && m[mo + 8] == 0f && m[mo + 9] == 0f) {
            return (m[mo] * dx) * isum;
        }
        int summs = 0;
        for (int j = 0; j < 8; j++) {
            summs += (int) m[mo + 2 + j] * ((int) s[si + 2 * j] + (int) s[si + 2 * j + 1]);
        }
        return (m[mo] * dx) * isum - (dmin * dx) * summs;
    }
}
