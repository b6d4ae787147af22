package jllm.kernels;

/**
 * Which SIMD path the kernels take, fixed at class initialization so the JIT folds the choice.
 *
 * <p>System property {@code jllm.vector.bits}: unset = the platform's preferred vector size (capped
 * at 512); {@code 128}/{@code 256}/{@code 512} = at most that many bits (tests force 128 to cover
 * NEON-sized vectors on x86); {@code 0} = scalar code only. Without the
 * {@code jdk.incubator.vector} module (no {@code --add-modules jdk.incubator.vector}) the scalar
 * code is used.
 */
final class Simd {
    /** True when the Vector API kernels are used. */
    static final boolean ENABLED;
    /** Vector width in bits (128, 256 or 512), or 0 when {@link #ENABLED} is false. */
    static final int BITS;

    static {
        int requested = Integer.getInteger("jllm.vector.bits", -1);
        boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        int bits = 0;
        if (module && requested != 0) {
            int preferred;
            try {
                preferred = PreferredBits.get();
            } catch (Throwable t) {
                preferred = 0;
            }
            bits = Math.min(preferred, 512);
            if (requested > 0) {
                bits = Math.min(bits, requested);
            }
            bits = bits >= 512 ? 512 : bits >= 256 ? 256 : bits >= 128 ? 128 : 0;
        }
        ENABLED = bits != 0;
        BITS = bits;
    }

    private Simd() {}

    /** Kept apart so that Simd itself never links against the incubator module. */
    private static final class PreferredBits {
        static int get() {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        }
    }

    /** A one-line description, e.g. "Vector API 256-bit" or "scalar". */
    static String describe() {
        return ENABLED ? "Vector API " + BITS + "-bit" : "scalar";
    }
}
