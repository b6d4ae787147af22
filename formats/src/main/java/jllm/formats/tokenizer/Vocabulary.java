package jllm.formats.tokenizer;

import java.util.Objects;

/**
 * A tokenizer's raw data as a file stores it: the token strings with their scores and types, the
 * BPE merges, the special token ids and the flags that steer encoding. Readers build it from GGUF
 * metadata ({@link GgufVocabulary}), a Hugging Face {@code tokenizer.json} ({@link HfTokenizerJson})
 * or a llama2.c {@code tokenizer.bin} ({@link Llama2cTokenizerFile}); the engine turns it into a
 * working tokenizer.
 *
 * <p>The arrays are shared, not copied: treat them as read-only.
 *
 * @param source         where it was read from (a file name), for error messages
 * @param type           the algorithm
 * @param preTokenizer   {@code tokenizer.ggml.pre}, e.g. {@code "llama-bpe"}; {@code "default"} if absent
 * @param tokens         token strings by id (SPM: {@code ▁} for space; BPE: GPT-2 byte-to-unicode text)
 * @param scores         merge scores by id (SPM); all zero when the source has none
 * @param types          token types by id
 * @param merges         BPE merges {@code "left right"}, highest priority first; empty for SPM
 * @param special        ids of BOS, EOS and the other special tokens
 * @param addBos         whether encoding with special tokens prepends BOS
 * @param addEos         whether encoding with special tokens appends EOS
 * @param addSpacePrefix whether SPM encoding puts a space before the text
 * @param modelName      {@code general.name} (llama.cpp keys a few per-model quirks on it), or ""
 */
public record Vocabulary(String source, VocabularyType type, String preTokenizer, String[] tokens, float[] scores,
                         TokenType[] types, String[] merges, SpecialTokenIds special, boolean addBos,
                         boolean addEos, boolean addSpacePrefix, String modelName) {

    /** The value of {@code tokenizer.ggml.pre} when a file has none. */
    public static final String DEFAULT_PRE = "default";

    /** Checks that the arrays agree in length and the special ids lie inside the vocabulary. */
    public Vocabulary {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(preTokenizer, "preTokenizer");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(types, "types");
        Objects.requireNonNull(merges, "merges");
        Objects.requireNonNull(special, "special");
        Objects.requireNonNull(modelName, "modelName");
        if (tokens.length == 0) {
            throw new IllegalArgumentException(source + ": the vocabulary has no tokens");
        }
        if (scores.length != tokens.length || types.length != tokens.length) {
            throw new IllegalArgumentException(source + ": " + tokens.length + " tokens but " + scores.length
                    + " scores and " + types.length + " token types");
        }
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == null || types[i] == null) {
                throw new IllegalArgumentException(source + ": token " + i + " has no text or no type");
            }
        }
        special.check(source, tokens.length);
    }

    /** Number of tokens. */
    public int size() { return tokens.length; }

    /** The token string of {@code id}. */
    public String token(int id) { return tokens[id]; }

    /** The type of {@code id}. */
    public TokenType tokenType(int id) { return types[id]; }

    /** A copy with other special ids. */
    public Vocabulary withSpecial(SpecialTokenIds ids) {
        return new Vocabulary(source, type, preTokenizer, tokens, scores, types, merges, ids, addBos, addEos,
                addSpacePrefix, modelName);
    }

    /** A copy with other BOS/EOS flags. */
    public Vocabulary withAddSpecial(boolean bos, boolean eos) {
        return new Vocabulary(source, type, preTokenizer, tokens, scores, types, merges, special, bos, eos,
                addSpacePrefix, modelName);
    }

    @Override
    public String toString() {
        return "Vocabulary[" + source + ", " + type.ggufName() + "/" + preTokenizer + ", " + tokens.length
                + " tokens, " + merges.length + " merges]";
    }
}
