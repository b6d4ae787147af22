package jllm.engine;

/**
 * Receives generated text as it is produced. {@code text} is the new, complete UTF-8 text this
 * token adds (possibly empty while a multi-byte character or a possible stop string is held back).
 */
@FunctionalInterface
public interface TokenListener {
    void onToken(int id, String text);

    TokenListener NONE = (id, text) -> { };
}
