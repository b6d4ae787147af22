package jllm.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

import jllm.formats.GgmlType;
import jllm.formats.TensorData;

/**
 * A 2-D weight matrix in its file encoding: {@code rows x cols}, row-major, each row
 * {@code type.rowBytes(cols)} bytes, rows back to back. The bytes are read in place (typically a
 * slice of a memory-mapped model file); nothing is decoded ahead of time.
 *
 * <p>One exception, for speed: the first matrix-vector product with a Q4_0, Q4_K or Q6_K matrix
 * makes it an interleaved copy (eight rows block by block, as llama.cpp's CPU backend does at
 * load), in native memory of about the same size (Q6_K: 1.3 times, its codes unpacked to bytes),
 * and every later product reads that copy; the mapped pages of the file are then released
 * ({@link MemorySegment#unload}), so the resident size stays about that of the file (plus a
 * third of the Q6_K matrices). {@link #data()} always returns the file's rows.
 */
public final class Matrix {
    private final GgmlType type;
    private final int rows;
    private final int cols;
    private final MemorySegment data;
    /** The interleaved copy: null until the first matVec, {@link #NONE} where there is none. */
    private volatile MemorySegment interleaved;
    private static final MemorySegment NONE = MemorySegment.NULL;

    /**
     * @param type the element encoding; one of {@link #supports supported} types
     * @param rows number of output rows
     * @param cols number of inputs per row (a multiple of the type's block size)
     * @param data at least {@code rows * type.rowBytes(cols)} bytes
     */
    public Matrix(GgmlType type, int rows, int cols, MemorySegment data) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        if (!supports(type)) {
            throw new IllegalArgumentException("type " + type + " is not supported by jllm's kernels yet");
        }
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + " x " + cols);
        }
        long need = Math.multiplyExact((long) rows, type.rowBytes(cols));
        if (data.byteSize() < need) {
            throw new IllegalArgumentException(rows + " x " + cols + " " + type + " needs " + need
                    + " bytes, the data has " + data.byteSize());
        }
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    /** The element encoding. */
    public GgmlType type() {
        return type;
    }

    /** Number of output rows. */
    public int rows() {
        return rows;
    }

    /** Number of inputs per row. */
    public int cols() {
        return cols;
    }

    /** The rows in the file's encoding. */
    public MemorySegment data() {
        return data;
    }

    /**
     * The rows interleaved for the matrix-vector kernel ({@link Interleave}), made on the first
     * call (on the pool's threads) and kept; null where the matrix has none.
     */
    MemorySegment interleaved(Parallel pool) {
        return interleaved(pool, () -> false);
    }

    /** {@link #interleaved(Parallel)}; throws CancellationException (nothing kept) when cancelled before the copy is complete. */
    private MemorySegment interleaved(Parallel pool, BooleanSupplier cancelled) {
        MemorySegment s = interleaved;
        if (s == null) {
            synchronized (this) {
                s = interleaved;
                if (s == null) {
                    MemorySegment p;
                    if (partial != null) {   // finish the copy begun in parts
                        partial.packGroups(pool, partial.groups, cancelled);
                        p = partial.result();
                        partial = null;
                    } else {
                        p = Interleave.applies(this) ? Interleave.pack(this, pool, cancelled) : null;
                    }
                    s = p == null ? NONE : p;   // the copying gave the mapped pages back
                    interleaved = s;
                }
            }
        }
        return s == NONE ? null : s;
    }

    /** A copy being made in parts ({@link #interleaveFor}); guarded by this. */
    private Interleave.Partial partial;

    /**
     * Makes the interleaved copy in parts: slices of {@value #SLICE_GROUPS} groups of 8 rows
     * until about {@code budgetNanos} have passed (at least one slice), so that a large matrix
     * (a 1B model's 128k-row output matrix takes 0.3-0.9 s) can be copied a little at a time
     * between generated tokens. Returns true once the copy is made (or the matrix has none);
     * products read the file's rows until then.
     */
    public boolean interleaveFor(Parallel pool, long budgetNanos) {
        if (interleaved != null) {
            return true;
        }
        synchronized (this) {
            if (interleaved != null) {
                return true;
            }
            if (partial == null) {
                partial = Interleave.applies(this) ? Interleave.begin(this) : null;
                if (partial == null) {
                    interleaved = NONE;
                    return true;
                }
            }
            long start = System.nanoTime();
            do {
                partial.packGroups(pool, SLICE_GROUPS, () -> false);
            } while (!partial.done() && System.nanoTime() - start < budgetNanos);
            if (partial.done()) {
                MemorySegment p = partial.result();
                interleaved = p == null ? NONE : p;
                partial = null;
                return true;
            }
            return false;
        }
    }

    /**
     * The part of a copy being made in slices that is done: its first {@code groups} groups of 8
     * rows in {@code copy}; null when none is under way or none is done yet.
     */
    record Part(MemorySegment copy, int groups) {}

    synchronized Part partCopied() {
        return partial == null || partial.next == 0 || !partial.finiteSoFar() ? null : new Part(partial.out(), partial.next);
    }

    /** Groups of 8 rows per slice of {@link #interleaveFor}: 8192 rows, 20-40 ms of a 2048-wide Q6_K matrix. */
    static final int SLICE_GROUPS = 1024;

    /**
     * Makes the interleaved copy now, on the pool's threads, where this matrix has one (Q4_0, Q4_K
     * and Q6_K, rows a multiple of 8, 256-bit vectors or wider); returns whether it has one. The first
     * matrix-vector product makes it anyway; made ahead (while a model loads), prompts use it too.
     */
    public boolean interleave(Parallel pool) {
        return interleaved(pool) != null;
    }

    /**
     * {@link #interleave(Parallel)} that gives up as soon as {@code cancelled} returns true (it is
     * asked once per group of 8 rows): then returns false and keeps nothing, and a later call or
     * product starts over. For copies made in idle time (a 1B model's 128k-row Q6_K output matrix
     * takes a few hundred ms), which must not hold up a product that needs the cores.
     */
    public boolean interleave(Parallel pool, BooleanSupplier cancelled) {
        Objects.requireNonNull(cancelled, "cancelled");
        try {
            return interleaved(pool, cancelled) != null;
        } catch (CancellationException e) {
            return false;
        }
    }

    /**
     * Whether this matrix has an interleaved layout (Q4_0, Q4_K or Q6_K, rows a multiple of 8,
     * 256-bit vectors or wider, not turned off), i.e. whether {@link #interleave} would make a copy.
     */
    public boolean interleaves() {
        return Interleave.applies(this);
    }

    /** The interleaved copy if a matrix-vector product has made one, else null (never makes it). */
    MemorySegment interleavedIfMade() {
        MemorySegment s = interleaved;
        return s == NONE ? null : s;
    }

    /** Whether the kernels run with weights of this type. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * The matrix view of a 1-D tensor (one row) or 2-D tensor (ggml shape {@code {cols, rows}});
     * trailing dimensions of size 1 are allowed.
     *
     * @throws IllegalArgumentException for a type the kernels cannot run with ("tensor NAME has
     *         type T, which jllm does not support yet"), more than 2 non-trivial dimensions, or a
     *         byte size that does not match the shape
     */
    public static Matrix of(TensorData t) {
        if (!supports(t.type())) {
            throw new IllegalArgumentException(
                    "tensor " + t.name() + " has type " + t.type() + ", which jllm does not support yet");
        }
        for (int i = 2; i < t.rank(); i++) {
            if (t.dim(i) != 1) {
                throw new IllegalArgumentException("tensor " + t.name() + " has shape " + t
                        + "; a matrix needs 1 or 2 dimensions");
            }
        }
        long cols = t.dim(0);
        long rows = t.rank() > 1 ? t.dim(1) : 1;
        if (cols > Integer.MAX_VALUE || rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor " + t.name() + " is too large: " + t);
        }
        long need = Math.multiplyExact(rows, t.type().rowBytes(cols));
        if (t.data().byteSize() != need) {
            throw new IllegalArgumentException("tensor " + t.name() + " " + t + " should have " + need
                    + " bytes but has " + t.data().byteSize());
        }
        return new Matrix(t.type(), (int) rows, (int) cols, t.data());
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return type.rowBytes(cols);
    }

    @Override
    public String toString() {
        return "Matrix[" + type + " " + rows + " x " + cols + "]";
    }
}
