package jllm.engine.model;

import jllm.formats.TensorData;
import jllm.kernels.Matrix;

/**
 * A decoder's weights, under llama.cpp's canonical names whatever the file used. Matrices stay
 * in the file's encoding and mapping; the small vectors (norms, biases) are decoded to float.
 * Fields that a configuration does not use are null.
 */
record ModelWeights(TensorData tokenEmbedding, TensorData positionEmbedding, Layer[] layers,
                    float[] outputNorm, float[] outputNormBias, Matrix output) {

    /**
     * One decoder block. Either {@code wq/wk/wv} or the fused {@code wqkv} (GPT-2 GGUF) is set.
     */
    record Layer(float[] attnNorm, float[] attnNormBias,
                 Matrix wq, Matrix wk, Matrix wv, Matrix wqkv,
                 float[] bq, float[] bk, float[] bv, float[] bqkv,
                 Matrix wo, float[] bo,
                 float[] ffnNorm, float[] ffnNormBias,
                 Matrix wGate, Matrix wUp, Matrix wDown, float[] bUp, float[] bDown) {}
}
