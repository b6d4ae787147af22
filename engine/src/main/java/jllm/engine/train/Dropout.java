package jllm.engine.train;

/**
 * Inverted dropout whose mask is a pure function of a key and the element index (a SplitMix64
 * hash), so the backward regenerates the forward's mask instead of storing it, the result does
 * not depend on threads, and a resumed run draws the same masks.
 */
final class Dropout {
    private Dropout() {}

    /** SplitMix64's finalizer. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A key for one use site (e.g. one layer's attention) of one forward pass. */
    static long key(long seed, long pass, int site) {
        return mix(mix(seed) ^ mix(pass * 0x9E3779B97F4A7C15L + site));
    }

    /** Whether element {@code i} survives under drop probability {@code p}. */
    static boolean keep(long key, long i, float p) {
        return (mix(key + i * 0x9E3779B97F4A7C15L) >>> 40) * 0x1p-24f >= p;
    }

    /**
     * {@code dst[i] = src[i] * mask_i / (1 - p)} for i &lt; n; the forward and the backward are
     * this same call (with the same key). dst may be src.
     */
    static void apply(float[] dst, float[] src, int n, long key, float p) {
        if (p <= 0f) {
            if (dst != src) {
                System.arraycopy(src, 0, dst, 0, n);
            }
            return;
        }
        float scale = 1f / (1f - p);
        for (int i = 0; i < n; i++) {
            dst[i] = keep(key, i, p) ? src[i] * scale : 0f;
        }
    }
}
