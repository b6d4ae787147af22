package jllm.formats.tokenizer;

/**
 * The kind of a vocabulary entry, with the integer codes GGUF stores in
 * {@code tokenizer.ggml.token_type} (llama.cpp's {@code llama_token_type}).
 */
public enum TokenType {
    /** Code 0: no type recorded; treated like {@link #UNUSED}. */
    UNDEFINED(0),
    /** Code 1: ordinary text. */
    NORMAL(1),
    /** Code 2: the unknown token, e.g. {@code <unk>}. */
    UNKNOWN(2),
    /** Code 3: control tokens such as BOS/EOS; matched in text only with parse-special. */
    CONTROL(3),
    /** Code 4: added tokens that are always matched in text and always printed. */
    USER_DEFINED(4),
    /** Code 5: placeholder entries that are never produced or printed. */
    UNUSED(5),
    /** Code 6: byte-fallback tokens {@code <0xNN>}. */
    BYTE(6);

    private final int code;

    TokenType(int code) { this.code = code; }

    /** The GGUF code. */
    public int code() { return code; }

    /** The type with that GGUF code; unknown codes are {@link #UNDEFINED}, as in llama.cpp. */
    public static TokenType of(long code) {
        for (TokenType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return UNDEFINED;
    }

    /** Control, user-defined and unknown tokens: the ones that can be split out of text as a whole. */
    public boolean isSpecial() {
        return this == CONTROL || this == USER_DEFINED || this == UNKNOWN;
    }
}
