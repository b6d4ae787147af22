package jllm.engine.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import jllm.formats.FormatException;
import jllm.formats.tokenizer.SpecialTokenIds;
import jllm.formats.tokenizer.TokenType;
import jllm.formats.tokenizer.Vocabularies;
import jllm.formats.tokenizer.Vocabulary;

/**
 * Text to token ids and back, exactly as llama.cpp's {@code llama_tokenize} and
 * {@code llama_token_to_piece} do it for SentencePiece BPE ({@code tokenizer.ggml.model = llama})
 * and byte-level BPE ({@code gpt2}) vocabularies. Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * Tokenizer t = Tokenizer.load(Path.of("model.gguf"));
 * int[] ids = t.encode("Hello world");          // with BOS if the vocabulary asks for it
 * String text = t.decode(ids);                   // "Hello world"
 * }</pre>
 */
public interface Tokenizer {

    /**
     * Reads the tokenizer of a GGUF file, a Hugging Face {@code tokenizer.json} (or a folder with
     * one) or a llama2.c {@code tokenizer.bin}.
     *
     * @throws FormatException when the file holds no tokenizer jllm supports
     */
    static Tokenizer load(Path path) throws IOException {
        return of(Vocabularies.read(path));
    }

    /**
     * A tokenizer for a vocabulary.
     *
     * @throws FormatException when its pre-tokenizer is not supported
     */
    static Tokenizer of(Vocabulary vocabulary) {
        return switch (vocabulary.type()) {
            case SPM -> new SpmTokenizer(vocabulary);
            case BPE -> new BpeTokenizer(vocabulary);
        };
    }

    /** The vocabulary as read from the file. */
    Vocabulary vocabulary();

    /** Number of tokens. */
    default int size() { return vocabulary().size(); }

    /** BOS, EOS and the other ids with a fixed role. */
    default SpecialTokenIds specialIds() { return vocabulary().special(); }

    /**
     * The token type as llama.cpp uses it; this can differ from the file, since llama.cpp makes
     * end-of-generation tokens such as {@code <|endoftext|>} control tokens.
     */
    TokenType type(int id);

    /** Whether generation should stop at this token (EOS, EOT and tokens llama.cpp treats as such). */
    boolean isEndOfGeneration(int id);

    /**
     * Encodes text.
     *
     * @param addSpecial   add BOS/EOS as the vocabulary's {@code add_bos_token}/{@code add_eos_token} say
     * @param parseSpecial match control tokens written in the text (e.g. {@code <|eot_id|>}) as those
     *                     tokens; user-defined tokens are matched either way, as in llama.cpp
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** Encodes text with BOS/EOS as the vocabulary asks and without matching control tokens. */
    default int[] encode(String text) { return encode(text, true, false); }

    /**
     * The bytes a token stands for (llama.cpp's {@code token_to_piece}); may be part of a UTF-8
     * character.
     *
     * @param special whether control and unknown tokens give their text (otherwise nothing)
     * @throws IllegalArgumentException when the id is outside the vocabulary
     */
    byte[] tokenBytes(int id, boolean special);

    /** The token's string as the vocabulary stores it (with {@code ▁} or GPT-2 byte characters). */
    default String tokenText(int id) {
        checkId(id);
        return vocabulary().token(id);
    }

    /**
     * Decodes ids to text. Control tokens print nothing unless {@code special}; the space that
     * SentencePiece encoding put in front of the text is removed again.
     */
    default String decode(int[] ids, boolean special) {
        StreamingDecoder d = newDecoder(special);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(d.accept(id));
        }
        return sb.append(d.finish()).toString();
    }

    /** Decodes ids without the text of control tokens. */
    default String decode(int[] ids) { return decode(ids, false); }

    /** A decoder for one stream of generated tokens that never splits a UTF-8 character. */
    StreamingDecoder newDecoder(boolean special);

    /** @throws IllegalArgumentException when {@code id} is not a token of this vocabulary */
    default void checkId(int id) {
        if (id < 0 || id >= size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + size()
                    + " tokens (" + vocabulary().source() + ")");
        }
    }
}
