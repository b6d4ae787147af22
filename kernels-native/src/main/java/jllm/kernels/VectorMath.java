package jllm.kernels;

import jdk.incubator.vector.FloatVector;

/**
 * e^x and tanh on float vectors of any species, with the same results whether or not the JIT
 * has compiled the caller (the Vector API's {@code EXP}/{@code TANH} use the CPU's vector math
 * library only in C2-compiled code, so results then depend on JIT timing). Within 2 ulp of
 * {@link Math#exp}; e^x is clamped to [1.2e-38, e^88.38] and tanh's argument to [-9, 9].
 */
public final class VectorMath {
    private VectorMath() {}

    /** e^x lane-wise. */
    public static FloatVector exp(FloatVector x) {
        return FixedMath.exp(x);
    }

    /** tanh(x) lane-wise. */
    public static FloatVector tanh(FloatVector x) {
        return FixedMath.tanh(x);
    }
}
