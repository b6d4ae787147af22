package jllm.formats;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One tensor of a model file: its name, element type, shape and bytes. The bytes are a slice of
 * the file's read-only memory mapping, never a heap copy.
 *
 * <p>The shape is in ggml order, innermost (contiguous) dimension first: a weight matrix with
 * {@code rows} output rows of {@code cols} inputs has {@code shape = {cols, rows}}. Readers of
 * row-major formats (safetensors, llama2.c) reverse their shapes into this order.
 *
 * @param name  the tensor's name as stored in the file (llama2.c tensors get llama.cpp's names)
 * @param type  the element type
 * @param shape dimensions, innermost first; never empty
 * @param data  exactly the tensor's bytes
 */
public record TensorData(String name, GgmlType type, long[] shape, MemorySegment data) {

    public TensorData {
        shape = shape.clone();
    }

    /** The shape, innermost dimension first (a copy). */
    @Override
    public long[] shape() { return shape.clone(); }

    /** Number of dimensions. */
    public int rank() { return shape.length; }

    /** Size of dimension {@code i}, innermost first. */
    public long dim(int i) { return shape[i]; }

    /** Total number of elements. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Length of a row: the innermost dimension. */
    public long columns() { return shape[0]; }

    /** Number of rows: the product of all dimensions but the innermost. */
    public long rows() { return elementCount() / Math.max(1, shape[0]); }

    /** Bytes of one row. */
    public long rowBytes() { return type.rowBytes(shape[0]); }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t && t.name.equals(name) && t.type == type
                && Arrays.equals(t.shape, shape) && t.data.equals(data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
