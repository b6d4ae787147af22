package jllm.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * e^x and tanh on float vectors of any species, with the same results whether or not the JIT
 * has compiled the caller (the Vector API's {@code EXP}/{@code TANH} use the CPU's vector math
 * library only in C2-compiled code, so results then depend on JIT timing). Within 2 ulp of
 * {@link Math#exp}; e^x is clamped to [1.2e-38, e^88.38] and tanh's argument to [-9, 9].
 */
public final class VectorMath {
    private VectorMath() {}

    /**
     * The float species of the kernels: the width {@code -Djllm.vector.bits} allows (the
     * platform's preferred one, capped at 512 bits), or the preferred one where the kernels run
     * scalar. Vector code outside this module should use it too: the kernels' helpers (such as
     * {@link #exp}) then see one species, as C2 needs to keep their vectors in registers (a JVM
     * forced to 128 bits on an AVX-512 machine, with training code at the preferred 512, boxed
     * the vectors of both).
     */
    public static VectorSpecies<Float> floatSpecies() {
        return Simd.ENABLED ? VecKernels.F : FloatVector.SPECIES_PREFERRED;
    }

    /** e^x lane-wise. */
    public static FloatVector exp(FloatVector x) {
        return FixedMath.exp(x);
    }

    /** tanh(x) lane-wise. */
    public static FloatVector tanh(FloatVector x) {
        return FixedMath.tanh(x);
    }
}
