package jllm.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import jllm.formats.GgmlType;
import jllm.formats.TensorData;

/**
 * A 2-D weight matrix in its file encoding: {@code rows x cols}, row-major, each row
 * {@code type.rowBytes(cols)} bytes, rows back to back. The bytes are read in place (typically a
 * slice of a memory-mapped model file); nothing is copied or decoded ahead of time.
 *
 * @param type the element encoding; one of {@link #supports supported} types
 * @param rows number of output rows
 * @param cols number of inputs per row (a multiple of the type's block size)
 * @param data at least {@code rows * type.rowBytes(cols)} bytes
 */
public record Matrix(GgmlType type, int rows, int cols, MemorySegment data) {

    public Matrix {
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
