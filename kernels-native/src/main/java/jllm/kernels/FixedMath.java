package jllm.kernels;

import static jllm.kernels.VecKernels.F;
import static jllm.kernels.VecKernels.FL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Float lane sums and exp/tanh whose results do not depend on whether the JIT has compiled the
 * caller. The Vector API lets {@code reduceLanes(ADD)} add float lanes in any order, and C2's
 * order differs from the interpreter's; its {@code EXP}/{@code TANH} use the CPU's vector math
 * library in C2 and {@link Math} elsewhere. So a prompt's results depended on when C2 finished
 * a method: the same greedy generation gave three different texts in three runs (1B Q4_K_M, one
 * thread, after the first tokens). These are built from lane-wise adds, multiplies and FMAs
 * (IEEE-exact in every mode), in a fixed order.
 *
 * <p>Sums of exact integers in float lanes (the quantized kernels' block sums) keep
 * {@code reduceLanes}: any order gives the same value, and outside C2 it is one operation
 * where {@link #sum} is eight.
 */
final class FixedMath {
    private FixedMath() {}

    private static final VectorShuffle<Float> FOLD8 = FL >= 16 ? VectorShuffle.fromOp(F, i -> i ^ 8) : null;
    private static final VectorShuffle<Float> FOLD4 = FL >= 8 ? VectorShuffle.fromOp(F, i -> i ^ 4) : null;
    private static final VectorShuffle<Float> FOLD2 = FL >= 4 ? VectorShuffle.fromOp(F, i -> i ^ 2) : null;
    private static final VectorShuffle<Float> FOLD1 = FL >= 2 ? VectorShuffle.fromOp(F, i -> i ^ 1) : null;

    /**
     * The float reductions (dot products, sums of squares, softmax sums, Q8_0 lane totals) keep
     * the order of 16-lane (512-bit) vectors on every machine: where vectors are narrower, a
     * 16-lane value is held as two 8-lane halves (lanes 0-7 and 8-15) or four 4-lane quarters, and
     * {@link #sum16} adds them as the 16-lane tree does. The same input then gives the same bits
     * on AVX-512, AVX2 and 128-bit machines (before, 256-bit vectors gave other last bits, which
     * now and then flipped a Q8_0 activation code: llama.cpp's stories260K fixtures failed 6 of 10
     * at 256 bits). Vectors wider than 16 lanes (none on x86) keep their own order.
     */
    static final int R = 16;

    /** {@link #sum} of a 16-lane value held as two 8-lane halves ({@code FL == 8}). */
    static float sum16(FloatVector lo, FloatVector hi) {
        return sum(lo.add(hi));
    }

    /** {@link #sum} of a 16-lane value held as four 4-lane quarters ({@code FL == 4}). */
    static float sum16(FloatVector q0, FloatVector q1, FloatVector q2, FloatVector q3) {
        return sum(q0.add(q2).add(q1.add(q3)));
    }

    /** The sum of v's lanes as a fixed tree: halves, then quarters, ... (the preferred species). */
    static float sum(FloatVector v) {
        if (FL > 16) {   // no such x86 species; wider machines add in lane order
            float s = 0;
            for (int i = 0; i < FL; i++) {
                s += v.lane(i);
            }
            return s;
        }
        if (FL >= 16) {
            v = v.add(v.rearrange(FOLD8));
        }
        if (FL >= 8) {
            v = v.add(v.rearrange(FOLD4));
        }
        if (FL >= 4) {
            v = v.add(v.rearrange(FOLD2));
        }
        if (FL >= 2) {
            v = v.add(v.rearrange(FOLD1));
        }
        return v.lane(0);
    }

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693145751953125f;       // ln 2 in its top 16 bits: n * LN2_HI is exact
    private static final float LN2_LO = 1.42860682030941723212e-6f;
    private static final float ROUND = 12582912f;                 // 1.5 * 2^23: x + ROUND - ROUND rounds x to an integer
    private static final float MAX_X = 88.37626f;                 // below ln(FLT_MAX)
    private static final float MIN_X = -87.33654f;                // ln(FLT_MIN): results below are flushed to it

    /**
     * F's floats from a[i..]. The kernels' helpers that take or return vectors live here or in
     * RowKernels, whose methods the launcher, the tests and the benchmarks force-inline
     * ({@code -XX:CompileCommand=inline,jllm.kernels.FixedMath::*}): such a helper that C2 had
     * compiled on its own first could later be called instead of inlined, its vectors then heap
     * objects (as FixedMath.exp once was from siluMul). VecOps' loads lived in VecOps, where
     * nothing forced that.
     */
    static FloatVector floats(float[] a, int i) {
        return FloatVector.fromArray(F, a, i);
    }

    /** e^(x[i..] - max) lane-wise, stored back into x[i..] and returned (softmax). */
    static FloatVector expInto(float[] x, int i, float max) {
        FloatVector e = exp(floats(x, i).sub(max));
        e.intoArray(x, i);
        return e;
    }

    /**
     * e^x lane-wise (any species), within 2 ulp of {@link Math#exp} for x in [-87.3, 88.3]; below, the
     * smallest normal float (1.2e-38, where e^x is 0 to any use here); above, e^88.38.
     * Range reduction x = n ln2 + r with |r| <= ln2/2, a degree-7 Taylor polynomial for e^r
     * (truncation error below 5e-9), and n added to the exponent bits.
     */
    static FloatVector exp(FloatVector x) {
        x = x.max(MIN_X).min(MAX_X);
        FloatVector n = x.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = n.mul(-LN2_HI).add(x);                        // n * LN2_HI is exact
        r = n.fma(x.broadcast(-LN2_LO), r);
        FloatVector p = r.fma(x.broadcast(1f / 5040), x.broadcast(1f / 720));
        p = p.fma(r, x.broadcast(1f / 120));
        p = p.fma(r, x.broadcast(1f / 24));
        p = p.fma(r, x.broadcast(1f / 6));
        p = p.fma(r, x.broadcast(0.5f));
        p = p.fma(r, x.broadcast(1f));
        p = p.fma(r, x.broadcast(1f));
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return p.mul((FloatVector) bits.reinterpretShape(x.species(), 0));
    }

    /** tanh lane-wise (any species) as (e^2y - 1) / (e^2y + 1), y clamped to [-9, 9] (tanh is +-1 in float beyond). */
    static FloatVector tanh(FloatVector y) {
        FloatVector e = exp(y.max(-9f).min(9f).mul(2f));
        return e.sub(1f).div(e.add(1f));
    }
}
