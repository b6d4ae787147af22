/**
 * Scalar reference codecs for ggml tensor types: {@link jllm.formats.quant.QuantCodecs} decodes
 * F32/F16/BF16, the legacy 32-element block types and the K-quants bit-exactly as ggml does, and
 * encodes the types jllm writes byte-exactly as ggml's reference quantizers. Faster kernels are
 * tested against these.
 */
package jllm.formats.quant;
