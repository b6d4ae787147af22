package jllm.engine.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import jllm.kernels.Parallel;

/**
 * Measures how fast this machine reads memory with the given threads: the roofline that bounds
 * token generation, which must read every weight once per token.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Long> S = LongVector.SPECIES_PREFERRED;

    private MemoryBandwidth() {}

    /** Best-of-{@code repeats} read bandwidth in bytes per second over a buffer of {@code bytes}. */
    public static double measure(Parallel pool, long bytes, int repeats) {
        long chunk = 1 << 20;
        int chunks = (int) Math.max(1, bytes / chunk);
        try (Arena arena = Arena.ofShared()) { // read by the pool threads
            MemorySegment buf = arena.allocate(chunks * chunk, 64);
            buf.fill((byte) 1);
            long[] sink = new long[chunks];
            double best = 0;
            for (int rep = 0; rep < repeats; rep++) {
                long t0 = System.nanoTime();
                pool.forRange(chunks, (from, to) -> {
                    for (int c = from; c < to; c++) {
                        sink[c] = sum(buf, c * chunk, chunk);
                    }
                });
                long t = System.nanoTime() - t0;
                best = Math.max(best, chunks * (double) chunk / (t / 1e9));
            }
            long check = 0;
            for (long s : sink) {
                check += s;
            }
            if (check == 42) { // keeps the reads from being optimised away
                System.err.print("");
            }
            return best;
        }
    }

    private static long sum(MemorySegment m, long off, long len) {
        LongVector acc = LongVector.zero(S);
        long step = S.vectorByteSize();
        for (long i = 0; i < len; i += step) {
            acc = acc.add(LongVector.fromMemorySegment(S, m, off + i, java.nio.ByteOrder.LITTLE_ENDIAN));
        }
        return acc.reduceLanes(VectorOperators.ADD) + m.get(ValueLayout.JAVA_BYTE, off);
    }
}
