package jllm.formats.tokenizer;

import java.util.Locale;
import java.util.Optional;

/** The two tokenizer algorithms jllm implements, named as GGUF's {@code tokenizer.ggml.model} names them. */
public enum VocabularyType {
    /** SentencePiece BPE (LLaMA 1/2, Mistral, Phi-3): score-driven merges, byte fallback, {@code ▁} for space. */
    SPM("llama"),
    /** Byte-level BPE (GPT-2, Llama 3, Qwen2): bytes mapped to printable characters, ranked merges. */
    BPE("gpt2");

    private final String ggufName;

    VocabularyType(String ggufName) { this.ggufName = ggufName; }

    /** The value of {@code tokenizer.ggml.model}. */
    public String ggufName() { return ggufName; }

    /** The type a {@code tokenizer.ggml.model} value names, if jllm implements it. */
    public static Optional<VocabularyType> fromGguf(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (VocabularyType t : values()) {
            if (t.ggufName.equals(n)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
