package jllm.engine.model;

import java.util.Locale;
import jllm.formats.GgmlType;

/**
 * Which type each tensor gets when a model is written in a given file type, following
 * llama.cpp's defaults (llama_tensor_get_type) for the types jllm can encode:
 * <ul>
 *   <li>1-D tensors (norms, biases) stay F32;</li>
 *   <li>the output projection (or the token embedding when it is tied to the output) gets Q6_K
 *       in the 4-bit files, as llama.cpp does;</li>
 *   <li>Q4_K_M gives attn_v and ffn_down Q6_K in the first and last eighth of the layers and in
 *       every third layer between;</li>
 *   <li>a row length the block does not divide falls back to Q8_0 (K-quants) or F32.</li>
 * </ul>
 */
public final class QuantizationPlan {
    private final String name;
    private final GgmlType base;

    private QuantizationPlan(String name, GgmlType base) {
        this.name = name;
        this.base = base;
    }

    /** f32, f16, bf16, q8_0, q4_0, q4_k_m, q6_k. */
    public static QuantizationPlan parse(String s) {
        String n = s.toLowerCase(Locale.ROOT);
        GgmlType base = switch (n) {
            case "f32" -> GgmlType.F32;
            case "f16" -> GgmlType.F16;
            case "bf16" -> GgmlType.BF16;
            case "q8_0" -> GgmlType.Q8_0;
            case "q4_0" -> GgmlType.Q4_0;
            case "q4_k_m", "q4_k" -> GgmlType.Q4_K;
            case "q6_k" -> GgmlType.Q6_K;
            default -> throw new IllegalArgumentException("--type " + s
                    + " is not one jllm can write (f32, f16, bf16, q8_0, q4_0, q4_k_m, q6_k)");
        };
        return new QuantizationPlan(n.equals("q4_k") ? "q4_k_m" : n, base);
    }

    public String name() { return name; }

    /** llama.cpp's general.file_type for this plan. */
    public int fileType() {
        return switch (name) {
            case "f32" -> 0;
            case "f16" -> 1;
            case "q4_0" -> 2;
            case "q8_0" -> 7;
            case "q4_k_m" -> 15;
            case "q6_k" -> 18;
            case "bf16" -> 32;
            default -> throw new IllegalStateException(name);
        };
    }

    /**
     * @param hasOutput whether the model has its own output.weight (else the embedding is tied)
     * @param layers    the model's layer count
     */
    public GgmlType typeFor(String tensor, long[] shape, boolean hasOutput, int layers) {
        if (shape.length < 2 || base == GgmlType.F32) {
            return GgmlType.F32;
        }
        boolean output = tensor.equals("output.weight") || (!hasOutput && tensor.equals("token_embd.weight"));
        GgmlType t = base;
        if (output && (base == GgmlType.Q4_0 || base == GgmlType.Q4_K)) {
            t = GgmlType.Q6_K;
        } else if (base == GgmlType.Q4_K && (tensor.endsWith("attn_v.weight") || tensor.endsWith("ffn_down.weight"))
                && useMoreBits(layerOf(tensor), layers)) {
            t = GgmlType.Q6_K;
        } else if (tensor.equals("position_embd.weight")) {
            t = base.isQuantized() ? GgmlType.F16 : base;
        }
        return fit(t, shape[0]);
    }

    private static GgmlType fit(GgmlType t, long cols) {
        if (cols % t.blockSize() == 0) {
            return t;
        }
        return cols % GgmlType.Q8_0.blockSize() == 0 && t.isQuantized() ? GgmlType.Q8_0 : GgmlType.F32;
    }

    /** llama.cpp's use_more_bits: first and last eighth of the layers, and every third in between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    private static int layerOf(String tensor) {
        if (!tensor.startsWith("blk.")) {
            return -1;
        }
        return Integer.parseInt(tensor.substring(4, tensor.indexOf('.', 4)));
    }

    @Override
    public String toString() { return name; }
}
