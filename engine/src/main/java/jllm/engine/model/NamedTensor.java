package jllm.engine.model;

import java.util.Arrays;

/**
 * A float32 tensor under its llama.cpp name, shape in ggml order (innermost first), values
 * row-major: the form in which models are initialised, trained and exported.
 */
public record NamedTensor(String name, long[] shape, float[] values) {
    public NamedTensor {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + values.length);
        }
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    public int rows() { return shape.length == 1 ? 1 : (int) (values.length / shape[0]); }

    public int columns() { return (int) shape[0]; }
}
