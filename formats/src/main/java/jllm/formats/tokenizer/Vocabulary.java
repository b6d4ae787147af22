package jllm.formats.tokenizer;

import java.util.Objects;
import jllm.formats.TextTable;

/**
 * A tokenizer's raw data as a file stores it: the token strings with their scores and types, the
 * BPE merges, the special token ids and the flags that steer encoding. Readers build it from GGUF
 * metadata ({@link GgufVocabulary}), a Hugging Face {@code tokenizer.json} ({@link HfTokenizerJson})
 * or a llama2.c {@code tokenizer.bin} ({@link Llama2cTokenizerFile}); the engine turns it into a
 * working tokenizer.
 *
 * <p>The arrays are shared, not copied: treat them as read-only. A GGUF file's token and merge
 * strings stay UTF-8 bytes until asked for ({@link #tokenTexts}, {@link #mergeTexts}): a tokenizer
 * builds its tables from their hashes and decodes the few strings a prompt meets.
 */
public final class Vocabulary {
    /** The value of {@code tokenizer.ggml.pre} when a file has none. */
    public static final String DEFAULT_PRE = "default";

    private final String source;
    private final VocabularyType type;
    private final String preTokenizer;
    private final TextTable tokens;
    private final float[] scores;
    private final TokenType[] types;
    private final TextTable merges;
    private final SpecialTokenIds special;
    private final boolean addBos, addEos, addSpacePrefix;
    private final String modelName;

    /** Checks that the arrays agree in length and the special ids lie inside the vocabulary. */
    public Vocabulary(String source, VocabularyType type, String preTokenizer, String[] tokens, float[] scores,
                      TokenType[] types, String[] merges, SpecialTokenIds special, boolean addBos,
                      boolean addEos, boolean addSpacePrefix, String modelName) {
        this(source, type, preTokenizer, TextTable.of(Objects.requireNonNull(tokens, "tokens")), scores, types,
                TextTable.of(Objects.requireNonNull(merges, "merges")), special, addBos, addEos, addSpacePrefix,
                modelName);
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == null) {
                throw new IllegalArgumentException(source + ": token " + i + " has no text or no type");
            }
        }
    }

    /** As the constructor above, over text tables (a file's strings, decoded as they are asked for). */
    public Vocabulary(String source, VocabularyType type, String preTokenizer, TextTable tokens, float[] scores,
                      TokenType[] types, TextTable merges, SpecialTokenIds special, boolean addBos,
                      boolean addEos, boolean addSpacePrefix, String modelName) {
        this.source = Objects.requireNonNull(source, "source");
        this.type = Objects.requireNonNull(type, "type");
        this.preTokenizer = Objects.requireNonNull(preTokenizer, "preTokenizer");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.scores = Objects.requireNonNull(scores, "scores");
        this.types = Objects.requireNonNull(types, "types");
        this.merges = Objects.requireNonNull(merges, "merges");
        this.special = Objects.requireNonNull(special, "special");
        this.addBos = addBos;
        this.addEos = addEos;
        this.addSpacePrefix = addSpacePrefix;
        this.modelName = Objects.requireNonNull(modelName, "modelName");
        int n = tokens.size();
        if (n == 0) {
            throw new IllegalArgumentException(source + ": the vocabulary has no tokens");
        }
        if (scores.length != n || types.length != n) {
            throw new IllegalArgumentException(source + ": " + n + " tokens but " + scores.length
                    + " scores and " + types.length + " token types");
        }
        for (int i = 0; i < n; i++) {
            if (types[i] == null) {
                throw new IllegalArgumentException(source + ": token " + i + " has no text or no type");
            }
        }
        special.check(source, n);
    }

    /** Where it was read from (a file name), for error messages. */
    public String source() { return source; }

    /** The algorithm. */
    public VocabularyType type() { return type; }

    /** {@code tokenizer.ggml.pre}, e.g. {@code "llama-bpe"}; {@code "default"} if absent. */
    public String preTokenizer() { return preTokenizer; }

    /** Token strings by id (SPM: {@code ▁} for space; BPE: GPT-2 byte-to-unicode text); all decoded. */
    public String[] tokens() { return tokens.toArray(); }

    /** The token strings as a table, decoded as they are asked for. */
    public TextTable tokenTexts() { return tokens; }

    /** Merge scores by id (SPM); all zero when the source has none. */
    public float[] scores() { return scores; }

    /** Token types by id. */
    public TokenType[] types() { return types; }

    /** BPE merges {@code "left right"}, highest priority first; empty for SPM; all decoded. */
    public String[] merges() { return merges.toArray(); }

    /** The merges as a table, decoded as they are asked for. */
    public TextTable mergeTexts() { return merges; }

    /** Ids of BOS, EOS and the other special tokens. */
    public SpecialTokenIds special() { return special; }

    /** Whether encoding with special tokens prepends BOS. */
    public boolean addBos() { return addBos; }

    /** Whether encoding with special tokens appends EOS. */
    public boolean addEos() { return addEos; }

    /** Whether SPM encoding puts a space before the text. */
    public boolean addSpacePrefix() { return addSpacePrefix; }

    /** {@code general.name} (llama.cpp keys a few per-model quirks on it), or "". */
    public String modelName() { return modelName; }

    /** Number of tokens. */
    public int size() { return tokens.size(); }

    /** The token string of {@code id}. */
    public String token(int id) { return tokens.get(id); }

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
        return "Vocabulary[" + source + ", " + type.ggufName() + "/" + preTokenizer + ", " + tokens.size()
                + " tokens, " + merges.size() + " merges]";
    }
}
