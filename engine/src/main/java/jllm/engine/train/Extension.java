package jllm.engine.train;

import java.util.List;

/**
 * Extra trainable parameters attached to a {@link TrainableModel} (e.g. LoRA adapters): the
 * optimizer updates them with the model's, and they see every linear projection. After the model
 * computes {@code y = x W^T (+ b)} for the weight named {@code weight} (a llama.cpp name such as
 * {@code blk.3.attn_q.weight} or {@code output.weight}), {@link #forward} may add to y; in the
 * backward, {@link #backward} may add to dx and accumulate its own parameters' gradients. Arrays
 * hold {@code rows} rows of {@code in} (x, dx) or {@code out} (y, dy) floats.
 */
public interface Extension {
    /** Its parameters, trained alongside the model's. */
    List<Parameter> parameters();

    void forward(String weight, float[] x, float[] y, int rows, int in, int out);

    void backward(String weight, float[] x, float[] dy, float[] dx, int rows, int in, int out);
}
