package jllm.engine.train;

import jllm.engine.model.NamedTensor;

/**
 * A trainable float32 tensor under its llama.cpp name, with its gradient. The shape is in ggml
 * order (innermost first), values row-major, as in {@link NamedTensor}. A frozen parameter gets no
 * gradient and no optimizer update.
 */
public final class Parameter {
    private final String name;
    private final long[] shape;
    private final float[] values;
    private final float[] grad;
    private boolean frozen;

    /** Wraps {@code values} (not copied). */
    public Parameter(String name, long[] shape, float[] values) {
        NamedTensor check = new NamedTensor(name, shape, values); // validates the shape
        this.name = check.name();
        this.shape = shape.clone();
        this.values = values;
        this.grad = new float[values.length];
    }

    public static Parameter of(NamedTensor t) {
        return new Parameter(t.name(), t.shape(), t.values());
    }

    public String name() { return name; }

    public long[] shape() { return shape.clone(); }

    /** The live values (the optimizer updates this array in place). */
    public float[] values() { return values; }

    /** The accumulated gradient (all zero while frozen). */
    public float[] grad() { return grad; }

    public int size() { return values.length; }

    public boolean frozen() { return frozen; }

    public void setFrozen(boolean frozen) {
        this.frozen = frozen;
        if (frozen) {
            java.util.Arrays.fill(grad, 0f);
        }
    }

    /** Matrices decay in AdamW; vectors (norm weights, biases) do not. */
    public boolean decays() { return shape.length >= 2; }

    /** The gradient array to accumulate into, or null while frozen. */
    float[] gradOrNull() { return frozen ? null : grad; }

    /** A view for export (shares the values). */
    public NamedTensor tensor() { return new NamedTensor(name, shape, values); }
}
