package jllm.engine.model;

import java.util.Arrays;

/**
 * The shape and options of a decoder, whatever file it came from. One decoder implementation runs
 * every model this describes: LLaMA 1/2/3.x, Mistral, TinyLlama (RMSNorm, RoPE, SwiGLU, GQA),
 * Qwen2 (the same plus Q/K/V biases and NeoX RoPE) and GPT-2 (LayerNorm, learned positions, GELU,
 * biases everywhere).
 *
 * @param architecture     the family, for messages and for the few conventions that differ
 * @param dim              model width
 * @param layers           decoder blocks
 * @param heads            query heads
 * @param kvHeads          key/value heads (GQA when fewer than heads)
 * @param headDim          width of one head
 * @param ffnDim           feed-forward width
 * @param vocabSize        vocabulary size
 * @param contextLength    trained context length
 * @param norm             RMSNorm or LayerNorm
 * @param normEps          the norm's epsilon
 * @param rope             how positions are encoded
 * @param ropeDims         dimensions rotated in each head (usually headDim)
 * @param ropeBase         RoPE base frequency
 * @param ropeScale        linear position scaling (1 = none): positions are multiplied by this
 * @param ropeFreqFactors  per-frequency divisors (Llama 3.1 scaling), or null
 * @param mlp              SwiGLU (gate/up/down) or GELU (up/down)
 * @param qkvBias          whether Q/K/V projections have biases
 * @param allBiases        whether every linear and norm has a bias (GPT-2)
 */
public record ModelConfig(Architecture architecture, int dim, int layers, int heads, int kvHeads, int headDim,
                          int ffnDim, int vocabSize, int contextLength, Norm norm, float normEps, Rope rope,
                          int ropeDims, float ropeBase, float ropeScale, float[] ropeFreqFactors, Mlp mlp,
                          boolean qkvBias, boolean allBiases) {

    public enum Architecture { LLAMA, QWEN2, GPT2 }

    public enum Norm { RMS, LAYER }

    /** ADJACENT rotates pairs (2i, 2i+1) (llama.cpp's "norm" type); NEOX rotates (i, i + d/2). */
    public enum Rope { NONE, ADJACENT, NEOX }

    public enum Mlp { SWIGLU, GELU }

    public ModelConfig {
        if (dim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || ffnDim <= 0 || vocabSize <= 0) {
            throw new IllegalArgumentException("model sizes must be positive: " + describe(dim, layers, heads, kvHeads,
                    headDim, ffnDim, vocabSize));
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads are not a multiple of " + kvHeads + " KV heads");
        }
        if (rope != Rope.NONE && (ropeDims <= 0 || ropeDims > headDim || ropeDims % 2 != 0)) {
            throw new IllegalArgumentException("RoPE dimension count " + ropeDims + " must be even and at most the head size "
                    + headDim);
        }
        if (ropeFreqFactors != null && ropeFreqFactors.length < ropeDims / 2) {
            throw new IllegalArgumentException("rope_freqs has " + ropeFreqFactors.length + " factors, needs " + ropeDims / 2);
        }
    }

    private static String describe(int... v) {
        return Arrays.toString(v);
    }

    /** The same model with another context length (the trained window of a GPT-2 model). */
    public ModelConfig withContextLength(int n) {
        return new ModelConfig(architecture, dim, layers, heads, kvHeads, headDim, ffnDim, vocabSize, n, norm, normEps,
                rope, ropeDims, ropeBase, ropeScale, ropeFreqFactors, mlp, qkvBias, allBiases);
    }

    /** Width of the key/value projections. */
    public int kvDim() { return kvHeads * headDim; }

    /** Width of the query projection (usually dim). */
    public int qDim() { return heads * headDim; }

    /** Query heads sharing one KV head. */
    public int groupSize() { return heads / kvHeads; }

    /** RoPE inverse frequencies for the rotated pairs, including any Llama 3.1 factors. */
    public float[] ropeInverseFrequencies() {
        float[] f = new float[Math.max(0, ropeDims / 2)];
        for (int i = 0; i < f.length; i++) {
            // ggml: theta_i = pos * base^(-2i/d); computed in float as ggml does
            f[i] = (float) Math.pow(ropeBase, -2.0 * i / ropeDims);
            if (ropeFreqFactors != null) {
                f[i] /= ropeFreqFactors[i];
            }
        }
        return f;
    }
}
