package jllm.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A memory read-bandwidth probe: sums a large segment split across a {@link Parallel} pool, the
 * way a matrix-vector product streams its weights. The decode roofline is this bandwidth divided
 * by the weight bytes read per token.
 */
public final class BandwidthProbe implements Parallel.RangeTask {
    private static final int CHUNK = 1 << 16;
    private final Parallel pool;
    private final MemorySegment seg;
    private final long[] sums = new long[64 * 16];
    private volatile long sink;

    /** @param seg the memory to read (its size is rounded down to 64 KiB chunks) */
    public BandwidthProbe(Parallel pool, MemorySegment seg) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.seg = Objects.requireNonNull(seg, "seg");
    }

    /** Reads the whole segment once; returns the bytes read. */
    public long read() {
        int chunks = (int) (seg.byteSize() / CHUNK);
        pool.forRange(chunks, this);
        long s = 0;
        for (int i = 0; i < sums.length; i += 16) {
            s += sums[i];
        }
        sink = s;
        return (long) chunks * CHUNK;
    }

    @Override
    public void run(int from, int to) {
        long s = Simd.ENABLED ? VecRead.sum(seg, (long) from * CHUNK, (long) to * CHUNK) : scalarSum(from, to);
        sums[16 * (from % 64)] = s;
    }

    private long scalarSum(int from, int to) {
        long a = 0, b = 0, c = 0, d = 0;
        ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED;
        for (long o = (long) from * CHUNK, end = (long) to * CHUNK; o < end; o += 32) {
            a += seg.get(L, o);
            b += seg.get(L, o + 8);
            c += seg.get(L, o + 16);
            d += seg.get(L, o + 24);
        }
        return a + b + c + d;
    }

    /**
     * Measures read bandwidth in bytes per second: allocates {@code bytes} of native memory,
     * reads it {@code reps} times after one warm-up pass and returns the best pass.
     */
    public static double measure(Parallel pool, long bytes, int reps) {
        try (Arena arena = Arena.ofShared() /* read by the pool threads */) {
            MemorySegment seg = arena.allocate(bytes, 4096);
            seg.fill((byte) 1);
            BandwidthProbe p = new BandwidthProbe(pool, seg);
            p.read();
            double best = 0;
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                long n = p.read();
                best = Math.max(best, n / ((System.nanoTime() - t0) / 1e9));
            }
            return best;
        }
    }

    private static final class VecRead {
        /**
         * The sum of the longs in [from, to). No vector is carried around the loop (each step
         * reduces its four loads to a long): C2 now and then kept loop-carried accumulators as
         * heap objects, and the probe then measured allocation, not memory (25 against 54 GB/s
         * reported from one run to the next).
         */
        static long sum(MemorySegment seg, long from, long to) {
            var S = jdk.incubator.vector.LongVector.SPECIES_PREFERRED;
            int step = S.vectorByteSize();
            ByteOrder le = ByteOrder.LITTLE_ENDIAN;
            long total = 0;
            for (long o = from; o < to; o += 4L * step) {
                total += jdk.incubator.vector.LongVector.fromMemorySegment(S, seg, o, le)
                        .add(jdk.incubator.vector.LongVector.fromMemorySegment(S, seg, o + step, le))
                        .add(jdk.incubator.vector.LongVector.fromMemorySegment(S, seg, o + 2L * step, le)
                                .add(jdk.incubator.vector.LongVector.fromMemorySegment(S, seg, o + 3L * step, le)))
                        .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
            }
            return total;
        }
    }
}
