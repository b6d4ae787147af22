package jllm.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import jllm.formats.GgmlType;

/** The weight types whose matrix-vector kernels read 8 rows interleaved: {@link Q4_0x8}, {@link Q4_Kx8}, {@link Q6_Kx8}. */
final class Interleave {
    private Interleave() {}

    /** Rows per interleaved group. */
    static final int ROWS = 8;

    /** Whether an interleaved layout is on: 256-bit vectors or wider (the kernels' shape), and the system property not "false". */
    static boolean enabled(String property) {
        return Simd.ENABLED && Simd.BITS >= 256 && !"false".equals(System.getProperty(property));
    }

    /** Whether a matrix of type t is a whole number of (non-empty) groups. */
    static boolean fits(Matrix m, GgmlType t) {
        return m.type() == t && m.rows() > 0 && m.rows() % ROWS == 0 && m.cols() > 0;
    }

    private static final java.lang.invoke.VarHandle SHORT =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(short[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /**
     * Copies the F16 scale at in[from] to out[to]; false when it is infinite or NaN (an all-ones
     * exponent), which the interleaved kernels' scale conversion does not carry.
     */
    static boolean copyHalf(byte[] in, int from, byte[] out, int to) {
        short h = (short) SHORT.get(in, from);
        SHORT.set(out, to, h);
        return (h & 0x7C00) != 0x7C00;
    }

    /** Whether matVec with this matrix makes and reads an interleaved copy. */
    static boolean applies(Matrix m) {
        return Q4_0x8.applies(m) || Q4_Kx8.applies(m) || Q6_Kx8.applies(m);
    }

    /** Interleaves one group: 8 rows of rowBytes back to back in {@code in}, into {@code out}; false when a scale is infinite or NaN. */
    private interface GroupPacker {
        boolean pack(byte[] in, int rowBytes, byte[] out);
    }

    /**
     * The interleaved copy of a matrix's rows, in native memory of its own ({@link NativeMemory},
     * released when the copy is no longer reachable), built on the pool's threads, releasing the
     * mapped pages of the rows it has copied ({@link MemorySegment#unload}); null where it
     * cannot be made: a scale that is not a finite number (the interleaved kernels' scale
     * conversion covers finite values only; the row kernels keep the file's infinities and NaNs),
     * or no memory for it.
     *
     * @throws CancellationException when {@code cancelled} turned true before every group was copied
     */
    static MemorySegment pack(Matrix m, Parallel pool, BooleanSupplier cancelled) {
        Partial p = begin(m);
        if (p == null) {
            return null;
        }
        p.packGroups(pool, p.groups, cancelled);
        return p.result();
    }

    /** A copy made group by group ({@link #pack} in parts); null where there is no memory for it. */
    static Partial begin(Matrix m) {
        try {
            return new Partial(m);
        } catch (OutOfMemoryError e) {
            return null;   // no memory for the copy: the row kernels still work
        }
    }

    /** A matrix's interleaved copy, its groups [0, next) made so far. */
    static final class Partial {
        private final Matrix m;
        private final GroupPacker packer;
        private final long gb, rb;
        private final MemorySegment out;
        final int groups;
        int next;
        private volatile boolean finite = true;

        private Partial(Matrix m) {
            this.m = m;
            int cols = m.cols();
            packer = switch (m.type()) {
                case Q4_K -> (in, rb, out) -> Q4_Kx8.packGroup(in, rb, cols / 256, out);
                case Q6_K -> (in, rb, out) -> Q6_Kx8.packGroup(in, rb, cols / 256, out);
                default -> (in, rb, out) -> Q4_0x8.packGroup(in, rb, cols / 32, out);
            };
            gb = groupBytes(m.type(), cols);
            rb = m.rowBytes();
            groups = m.rows() / ROWS;
            out = NativeMemory.allocate(gb * groups);
        }

        /** The copy's memory (its first {@link #next} groups made). */
        MemorySegment out() {
            return out;
        }

        /** Whether every scale so far was finite (else the copy will be dropped). */
        boolean finiteSoFar() {
            return finite;
        }

        /** Whether every group is made, or a scale that is not finite ended it. */
        boolean done() {
            return next >= groups || !finite;
        }

        /** The copy once {@link #done}: null where a scale was not finite. */
        MemorySegment result() {
            return finite ? out : null;
        }

        /**
         * Makes the next {@code count} groups (fewer at the end) on the pool's threads.
         *
         * @throws CancellationException when {@code cancelled} turned true before they were all made
         */
        void packGroups(Parallel pool, int count, BooleanSupplier cancelled) {
            int first = next, last = Math.min(groups, next + count);
            AtomicBoolean aborted = new AtomicBoolean();
            MemorySegment src = m.data();
            pool.forChunks(last - first, 16, (from, to) -> {
                byte[][] buffers = buffers((int) (ROWS * rb), (int) gb);
                byte[] in = buffers[0], packed = buffers[1];
                for (int g = first + from; g < first + to && finite; g++) {
                    if (cancelled.getAsBoolean()) {
                        aborted.set(true);
                        break;
                    }
                    MemorySegment.copy(src, ValueLayout.JAVA_BYTE, g * ROWS * rb, in, 0, in.length);
                    if (!packer.pack(in, (int) rb, packed)) {
                        finite = false;
                    }
                    MemorySegment.copy(packed, 0, out, ValueLayout.JAVA_BYTE, g * gb, packed.length);
                }
                if (src.isMapped() && to > from) {
                    // Give these rows' file pages back as we go: the whole 128k-row output matrix
                    // resident beside its copy raised a 1B model's peak by 0.2 GB.
                    src.asSlice((first + from) * ROWS * rb, (to - from) * ROWS * rb).unload();
                }
            });
            if (aborted.get()) {
                throw new CancellationException("interleaving " + m + " was cancelled");
            }
            next = last;
        }

        /**
         * This thread's buffers for 8 file rows and one packed group, of exactly these sizes,
         * reused while they stay the same (allocated per chunk of 16 groups, they came to ~100 MB
         * of garbage over a 1B model's copies). Every packer writes every byte of its group.
         */
        private static byte[][] buffers(int inBytes, int packedBytes) {
            byte[][] b = BUFFERS.get();
            if (b[0].length != inBytes) {
                b[0] = new byte[inBytes];
            }
            if (b[1].length != packedBytes) {
                b[1] = new byte[packedBytes];
            }
            return b;
        }

        private static final ThreadLocal<byte[][]> BUFFERS = ThreadLocal.withInitial(() -> new byte[][] {new byte[0], new byte[0]});
    }

    /** Bytes of one group of 8 rows in the copy. */
    static long groupBytes(GgmlType t, int cols) {
        return switch (t) {
            case Q4_K -> (long) Q4_Kx8.SB_BYTES * (cols / 256);
            case Q6_K -> (long) Q6_Kx8.SB_BYTES * (cols / 256);
            default -> ROWS * t.rowBytes(cols);
        };
    }

    /**
     * Row r of the interleaved copy x8 (Q4_0, Q4_K; groups of gb bytes) back in the file's row encoding, at
     * row[0..]. {@code group} holds the copied group {@code loaded} (-1: none yet); returns the
     * group it holds now, so a caller walking rows in order copies each group once.
     */
    static int unpackRow(GgmlType t, MemorySegment x8, long gb, int cols, int r, int loaded, byte[] group, byte[] row) {
        int g = r / ROWS;
        if (g != loaded) {
            MemorySegment.copy(x8, ValueLayout.JAVA_BYTE, g * gb, group, 0, (int) gb);
        }
        switch (t) {
            case Q4_K -> Q4_Kx8.unpackRow(group, 0, cols / 256, r % ROWS, row, 0);
            default -> Q4_0x8.unpackRow(group, 0, cols / 32, r % ROWS, row, 0);
        }
        return g;
    }
}
