package jllm.formats.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jllm.formats.FormatException;

/**
 * Reads a Hugging Face {@code tokenizer.json} whose model is BPE, in one of the two forms llama.cpp
 * also converts:
 * <ul>
 *   <li>byte-level BPE (a {@code ByteLevel} pre-tokenizer or decoder; GPT-2, Llama 3, Qwen2), whose
 *       split regex selects the pre-tokenizer name ({@code gpt-2}, {@code llama-bpe}, {@code qwen2});</li>
 *   <li>SentencePiece-style BPE ({@code byte_fallback}, {@code ▁} for space; Llama 2, Mistral), for
 *       which the scores llama.cpp's algorithm needs are derived from the merge order.</li>
 * </ul>
 * BOS/EOS and whether to add them come from {@code tokenizer_config.json} in the same folder when it
 * exists, else from the {@code TemplateProcessing} post-processor. Added tokens become control
 * tokens when marked special, user-defined otherwise.
 */
public final class HfTokenizerJson {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Split regexes of the pre-tokenizers jllm implements, as tokenizer.json files spell them. */
    private static final Map<String, String> PRE_BY_REGEX = Map.of(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)", "gpt-2",
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "llama-bpe",
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "llama-bpe",
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "qwen2",
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "qwen2");

    private HfTokenizerJson() {}

    /** Reads {@code tokenizer.json} (and {@code tokenizer_config.json} beside it, if any). */
    public static Vocabulary read(Path file) throws IOException {
        String source = file.toString();
        JsonNode root = parseJson(file);
        JsonNode config = null;
        Path cfg = file.toAbsolutePath().resolveSibling("tokenizer_config.json");
        if (Files.isRegularFile(cfg)) {
            config = parseJson(cfg);
        }
        return parse(root, config, source);
    }

    private static JsonNode parseJson(Path file) throws IOException {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new FormatException(file, "(root)", -1, "not a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new FormatException(file, "(json)", -1, "malformed JSON: " + e.getOriginalMessage());
        }
    }

    /** Builds the vocabulary from parsed JSON; {@code config} may be null. */
    static Vocabulary parse(JsonNode root, JsonNode config, String source) {
        JsonNode model = root.path("model");
        if (!model.isObject()) {
            throw new FormatException(source, "model", -1, "missing or not an object");
        }
        String modelType = model.path("type").asText("BPE");
        if (!modelType.equals("BPE")) {
            throw new FormatException(source, "model.type", -1, "tokenizer model '" + modelType
                    + "' is not supported (jllm reads BPE tokenizers)");
        }
        boolean byteLevel = mentions(root.path("pre_tokenizer"), "ByteLevel") || mentions(root.path("decoder"), "ByteLevel");
        boolean spm = !byteLevel && (model.path("byte_fallback").asBoolean(false)
                || mentions(root.path("pre_tokenizer"), "Metaspace") || mentions(root.path("normalizer"), "Prepend")
                || mentions(root.path("decoder"), "ByteFallback"));
        if (!byteLevel && !spm) {
            throw new FormatException(source, "pre_tokenizer", -1,
                    "neither byte-level nor SentencePiece-style BPE; jllm cannot tokenize it like llama.cpp");
        }

        Map<String, Integer> ids = new HashMap<>();
        int n = 0;
        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject()) {
            throw new FormatException(source, "model.vocab", -1, "missing or not an object of token: id");
        }
        for (Map.Entry<String, JsonNode> e : vocab.properties()) {
            int id = tokenId(e.getValue(), source, "model.vocab['" + e.getKey() + "']");
            ids.put(e.getKey(), id);
            n = Math.max(n, id + 1);
        }
        JsonNode added = root.path("added_tokens");
        for (int i = 0; i < added.size(); i++) {
            n = Math.max(n, tokenId(added.get(i).path("id"), source, "added_tokens[" + i + "].id") + 1);
        }
        if (n == 0) {
            throw new FormatException(source, "model.vocab", -1, "the vocabulary is empty");
        }
        String[] tokens = new String[n];
        TokenType[] types = new TokenType[n];
        String unk = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            int id = e.getValue();
            tokens[id] = e.getKey();
            types[id] = e.getKey().equals(unk) ? TokenType.UNKNOWN
                    : spm && Llama2cTokenizerFile.isByteToken(e.getKey()) ? TokenType.BYTE : TokenType.NORMAL;
        }
        for (int i = 0; i < added.size(); i++) {
            JsonNode t = added.get(i);
            int id = t.path("id").asInt();
            String content = t.path("content").asText(null);
            if (content == null) {
                throw new FormatException(source, "added_tokens[" + i + "].content", -1, "missing");
            }
            tokens[id] = content;
            ids.putIfAbsent(content, id);
            types[id] = content.equals(unk) ? TokenType.UNKNOWN
                    : t.path("special").asBoolean(false) ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        for (int i = 0; i < n; i++) {
            if (tokens[i] == null) {  // a hole in the ids, filled the way llama.cpp's converter fills it
                tokens[i] = "[PAD" + i + "]";
                types[i] = TokenType.UNUSED;
            }
        }

        String[] merges = readMerges(model.path("merges"), source);
        float[] scores = spm ? scoresFromMerges(tokens, ids, merges) : new float[n];
        String pre = spm ? Vocabulary.DEFAULT_PRE : preTokenizer(root.path("pre_tokenizer"), source);

        SpecialTokenIds special = SpecialTokenIds.EMPTY;
        boolean addBos = false;
        boolean addEos = false;
        if (spm) {
            special = special.withBos(ids.getOrDefault("<s>", SpecialTokenIds.NONE))
                    .withEos(ids.getOrDefault("</s>", SpecialTokenIds.NONE));
            addBos = special.bos() != SpecialTokenIds.NONE;
        }
        if (unk != null && ids.containsKey(unk)) {
            special = special.withUnk(ids.get(unk));
        }
        JsonNode single = templateSingle(root.path("post_processor"));
        if (single != null && single.size() > 0) {
            String first = single.get(0).path("SpecialToken").path("id").asText(null);
            String last = single.get(single.size() - 1).path("SpecialToken").path("id").asText(null);
            addBos = first != null && ids.containsKey(first);
            addEos = last != null && ids.containsKey(last);
            if (addBos) {
                special = special.withBos(ids.get(first));
            }
            if (addEos) {
                special = special.withEos(ids.get(last));
            }
        }
        if (config != null) {
            special = configId(config, "bos_token", ids, special, special::withBos);
            special = configId(config, "eos_token", ids, special, special::withEos);
            special = configId(config, "unk_token", ids, special, special::withUnk);
            special = configId(config, "pad_token", ids, special, special::withPad);
            addBos = config.path("add_bos_token").asBoolean(addBos);
            addEos = config.path("add_eos_token").asBoolean(addEos);
        }
        boolean addSpacePrefix = spm && addsSpacePrefix(root);
        return new Vocabulary(source, spm ? VocabularyType.SPM : VocabularyType.BPE, pre, tokens, scores, types,
                merges, special, addBos, addEos, addSpacePrefix, "");
    }

    private static int tokenId(JsonNode v, String source, String field) {
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0 || v.asInt() > 50_000_000) {
            throw new FormatException(source, field, -1, "token id " + v + " is not an integer in 0..50000000");
        }
        return v.asInt();
    }

    private static String[] readMerges(JsonNode merges, String source) {
        if (merges.isMissingNode() || merges.isNull()) {
            return new String[0];
        }
        if (!merges.isArray()) {
            throw new FormatException(source, "model.merges", -1, "not an array");
        }
        String[] out = new String[merges.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode m = merges.get(i);
            if (m.isTextual() && m.asText().indexOf(' ', 1) > 0) {
                out[i] = m.asText();
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                out[i] = m.get(0).asText() + " " + m.get(1).asText();
            } else {
                throw new FormatException(source, "model.merges[" + i + "]", -1,
                        "expected \"left right\" or [left, right], found " + m);
            }
        }
        return out;
    }

    /**
     * SentencePiece scores the merge algorithm ranks by: a token made by merge number r gets -r
     * (earlier merges win, as in the file's merge order); tokens no merge makes get a score below all.
     */
    static float[] scoresFromMerges(String[] tokens, Map<String, Integer> ids, String[] merges) {
        float[] scores = new float[tokens.length];
        Arrays.fill(scores, Float.NaN);
        for (int r = 0; r < merges.length; r++) {
            int sp = merges[r].indexOf(' ', 1);
            Integer id = ids.get(merges[r].substring(0, sp) + merges[r].substring(sp + 1));
            if (id != null && Float.isNaN(scores[id])) {
                scores[id] = -r;
            }
        }
        for (int i = 0; i < scores.length; i++) {
            if (Float.isNaN(scores[i])) {
                scores[i] = -merges.length - 1 - i;
            }
        }
        return scores;
    }

    private static String preTokenizer(JsonNode pre, String source) {
        List<JsonNode> parts = new ArrayList<>();
        if (pre.path("type").asText("").equals("Sequence")) {
            pre.path("pretokenizers").forEach(parts::add);
        } else if (!pre.isMissingNode() && !pre.isNull()) {
            parts.add(pre);
        }
        String name = null;
        for (JsonNode p : parts) {
            switch (p.path("type").asText("")) {
                case "ByteLevel" -> {
                    if (p.path("add_prefix_space").asBoolean(false)) {
                        throw new FormatException(source, "pre_tokenizer.add_prefix_space", -1,
                                "ByteLevel with add_prefix_space is not supported");
                    }
                    if (p.path("use_regex").asBoolean(true)) {
                        name = name == null ? "gpt-2" : name;
                    }
                }
                case "Split" -> {
                    String regex = p.path("pattern").path("Regex").asText(null);
                    String known = regex == null ? null : PRE_BY_REGEX.get(regex);
                    if (known == null || name != null) {
                        throw new FormatException(source, "pre_tokenizer", -1, "split pattern " + p.path("pattern")
                                + " is not one jllm implements (GPT-2, Llama 3, Qwen2)");
                    }
                    name = known;
                }
                case "Digits", "Punctuation", "Whitespace", "WhitespaceSplit", "Metaspace" ->
                        throw new FormatException(source, "pre_tokenizer", -1, "pre-tokenizer "
                                + p.path("type").asText() + " is not supported");
                default -> { }
            }
        }
        return name == null ? "gpt-2" : name;
    }

    private static boolean addsSpacePrefix(JsonNode root) {
        JsonNode pre = root.path("pre_tokenizer");
        if (mentions(pre, "Metaspace")) {
            return findType(pre, "Metaspace").map(m -> m.path("add_prefix_space").asBoolean(true)
                    && !m.path("prepend_scheme").asText("first").equals("never")).orElse(true);
        }
        return mentions(root.path("normalizer"), "Prepend");
    }

    private static JsonNode templateSingle(JsonNode post) {
        return findType(post, "TemplateProcessing").map(t -> t.path("single")).filter(JsonNode::isArray).orElse(null);
    }

    private interface IdSetter {
        SpecialTokenIds set(int id);
    }

    private static SpecialTokenIds configId(JsonNode config, String key, Map<String, Integer> ids,
                                            SpecialTokenIds current, IdSetter set) {
        JsonNode v = config.path(key);
        String text = v.isTextual() ? v.asText() : v.path("content").asText(null);
        if (text == null || !ids.containsKey(text)) {
            return current;
        }
        return set.set(ids.get(text));
    }

    /** Whether a component (or one nested in a Sequence) has that type. */
    private static boolean mentions(JsonNode node, String type) {
        return findType(node, type).isPresent();
    }

    private static java.util.Optional<JsonNode> findType(JsonNode node, String type) {
        if (node == null || !node.isObject()) {
            return java.util.Optional.empty();
        }
        if (node.path("type").asText("").equals(type)) {
            return java.util.Optional.of(node);
        }
        for (String k : List.of("pretokenizers", "normalizers", "decoders", "processors")) {
            for (JsonNode c : node.path(k)) {
                java.util.Optional<JsonNode> f = findType(c, type);
                if (f.isPresent()) {
                    return f;
                }
            }
        }
        return java.util.Optional.empty();
    }
}
