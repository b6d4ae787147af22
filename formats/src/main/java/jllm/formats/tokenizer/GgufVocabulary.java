package jllm.formats.tokenizer;

import java.util.Optional;
import jllm.formats.FormatException;
import jllm.formats.GgufMetadata;
import jllm.formats.GgufWriter;
import jllm.formats.TextTable;
import jllm.formats.MetadataValue;

/**
 * Reads and writes the {@code tokenizer.ggml.*} metadata of a GGUF file, with llama.cpp's defaults
 * for keys a file leaves out.
 */
public final class GgufVocabulary {
    public static final String MODEL = "tokenizer.ggml.model";
    public static final String PRE = "tokenizer.ggml.pre";
    public static final String TOKENS = "tokenizer.ggml.tokens";
    public static final String SCORES = "tokenizer.ggml.scores";
    public static final String TOKEN_TYPE = "tokenizer.ggml.token_type";
    public static final String MERGES = "tokenizer.ggml.merges";
    public static final String BOS_ID = "tokenizer.ggml.bos_token_id";
    public static final String EOS_ID = "tokenizer.ggml.eos_token_id";
    public static final String EOT_ID = "tokenizer.ggml.eot_token_id";
    public static final String UNK_ID = "tokenizer.ggml.unknown_token_id";
    /** Spelled as llama.cpp spells it. */
    public static final String SEP_ID = "tokenizer.ggml.seperator_token_id";
    public static final String PAD_ID = "tokenizer.ggml.padding_token_id";
    public static final String MASK_ID = "tokenizer.ggml.mask_token_id";
    public static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
    public static final String ADD_EOS = "tokenizer.ggml.add_eos_token";
    public static final String ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";
    static final String NAME = "general.name";

    private GgufVocabulary() {}

    /** Whether the metadata holds a tokenizer at all. */
    public static boolean present(GgufMetadata md) {
        return md.contains(MODEL) && md.contains(TOKENS);
    }

    /**
     * Builds the vocabulary from GGUF metadata.
     *
     * @param source the file name, for error messages
     * @throws FormatException when a key is missing, has the wrong type, or names an unsupported tokenizer
     */
    public static Vocabulary read(GgufMetadata md, String source) {
        String modelName = md.getString(MODEL);
        VocabularyType type = VocabularyType.fromGguf(modelName).orElseThrow(() -> new FormatException(source, MODEL,
                -1, "tokenizer model '" + modelName + "' is not supported (jllm reads 'llama' and 'gpt2')"));
        TextTable tokens = md.getTexts(TOKENS);   // decoded as the tokenizer asks for them
        int n = tokens.size();
        if (n == 0) {
            throw new FormatException(source, TOKENS, -1, "the vocabulary is empty");
        }
        float[] scores = md.contains(SCORES) ? md.getFloatArray(SCORES) : new float[n];
        requireLength(source, SCORES, scores.length, n);
        TokenType[] types = new TokenType[n];
        if (md.contains(TOKEN_TYPE)) {
            int[] codes = md.getIntArray(TOKEN_TYPE);
            requireLength(source, TOKEN_TYPE, codes.length, n);
            for (int i = 0; i < n; i++) {
                types[i] = TokenType.of(codes[i]);
            }
        } else {
            java.util.Arrays.fill(types, TokenType.NORMAL);
        }
        TextTable merges = TextTable.of();
        if (type == VocabularyType.BPE) {
            if (!md.contains(MERGES)) {
                throw new FormatException(source, MERGES, -1, "a 'gpt2' tokenizer needs its merges, and the key is missing");
            }
            merges = md.getTexts(MERGES);   // their form is checked where they are used (BpeTokenizer)
        }
        boolean spm = type == VocabularyType.SPM;
        SpecialTokenIds ids = spm
                ? new SpecialTokenIds(1, 2, SpecialTokenIds.NONE, 0, SpecialTokenIds.NONE, SpecialTokenIds.NONE,
                        SpecialTokenIds.NONE)
                : SpecialTokenIds.EMPTY;
        ids = new SpecialTokenIds(id(md, BOS_ID, n, ids.bos()), id(md, EOS_ID, n, ids.eos()),
                id(md, EOT_ID, n, ids.eot()), id(md, UNK_ID, n, ids.unk()), id(md, SEP_ID, n, ids.sep()),
                id(md, PAD_ID, n, ids.pad()), id(md, MASK_ID, n, ids.mask()));
        ids = new SpecialTokenIds(inRange(ids.bos(), n), inRange(ids.eos(), n), ids.eot(), inRange(ids.unk(), n),
                ids.sep(), ids.pad(), ids.mask());
        String pre = md.findString(PRE).orElse(Vocabulary.DEFAULT_PRE);
        boolean addBos = md.findBoolean(ADD_BOS).orElse(spm || isLlama3(pre));
        boolean addEos = md.findBoolean(ADD_EOS).orElse(false);
        boolean addSpacePrefix = md.findBoolean(ADD_SPACE_PREFIX).orElse(spm);
        String name = md.findString(NAME).orElse("");
        return new Vocabulary(source, type, pre, tokens, scores, types, merges, ids, addBos, addEos,
                addSpacePrefix, name);
    }

    private static boolean isLlama3(String pre) {
        return pre.equals("llama3") || pre.equals("llama-v3") || pre.equals("llama-bpe") || pre.equals("falcon3");
    }

    private static void requireLength(String source, String key, int length, int n) {
        if (length != n) {
            throw new FormatException(source, key, -1, "has " + length + " entries for " + n + " tokens");
        }
    }

    /** An id from the metadata; like llama.cpp, a value outside the vocabulary keeps the default. */
    private static int id(GgufMetadata md, String key, int n, int fallback) {
        Optional<Long> v = md.findLong(key);
        return v.isPresent() && v.get() >= 0 && v.get() < n ? (int) (long) v.get() : fallback;
    }

    private static int inRange(int id, int n) {
        return id < n ? id : SpecialTokenIds.NONE;
    }

    /** Puts the vocabulary's {@code tokenizer.ggml.*} keys (and nothing else) into a writer. */
    public static GgufWriter write(Vocabulary v, GgufWriter w) {
        w.put(MODEL, MetadataValue.ofString(v.type().ggufName()));
        w.put(PRE, MetadataValue.ofString(v.preTokenizer()));
        w.put(TOKENS, MetadataValue.ofStrings(v.tokens()));
        if (v.type() == VocabularyType.SPM) {
            w.put(SCORES, MetadataValue.ofFloats(v.scores()));
        }
        int[] codes = new int[v.size()];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = v.types()[i].code();
        }
        w.put(TOKEN_TYPE, MetadataValue.ofInts(codes));
        if (v.type() == VocabularyType.BPE) {
            w.put(MERGES, MetadataValue.ofStrings(v.merges()));
        }
        SpecialTokenIds s = v.special();
        putId(w, BOS_ID, s.bos());
        putId(w, EOS_ID, s.eos());
        putId(w, EOT_ID, s.eot());
        putId(w, UNK_ID, s.unk());
        putId(w, SEP_ID, s.sep());
        putId(w, PAD_ID, s.pad());
        putId(w, MASK_ID, s.mask());
        w.put(ADD_BOS, MetadataValue.ofBool(v.addBos()));
        w.put(ADD_EOS, MetadataValue.ofBool(v.addEos()));
        if (v.type() == VocabularyType.SPM) {
            w.put(ADD_SPACE_PREFIX, MetadataValue.ofBool(v.addSpacePrefix()));
        }
        return w;
    }

    /**
     * Writes a vocabulary-only GGUF file (no tensors), like llama.cpp's {@code ggml-vocab-*.gguf}
     * files. llama.cpp reads a model's hyperparameters even when it loads only the vocabulary, so
     * the file also names architecture {@code llama} with small placeholder hyperparameters; a model
     * trained with this tokenizer writes its real ones over them.
     */
    public static void writeVocabularyFile(Vocabulary v, String name, java.nio.file.Path out) throws java.io.IOException {
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", MetadataValue.ofString("llama"));
        w.put(NAME, MetadataValue.ofString(name));
        w.put("llama.context_length", MetadataValue.ofUInt32(2048));
        w.put("llama.embedding_length", MetadataValue.ofUInt32(64));
        w.put("llama.block_count", MetadataValue.ofUInt32(1));
        w.put("llama.feed_forward_length", MetadataValue.ofUInt32(256));
        w.put("llama.attention.head_count", MetadataValue.ofUInt32(1));
        w.put("llama.attention.head_count_kv", MetadataValue.ofUInt32(1));
        w.put("llama.rope.dimension_count", MetadataValue.ofUInt32(64));
        w.put("llama.attention.layer_norm_rms_epsilon", MetadataValue.ofFloat32(1e-5f));
        w.put("llama.vocab_size", MetadataValue.ofUInt32(v.size()));
        write(v, w);
        w.write(out);
    }

    private static void putId(GgufWriter w, String key, int id) {
        if (id != SpecialTokenIds.NONE) {
            w.put(key, MetadataValue.ofUInt32(id));
        }
    }
}
