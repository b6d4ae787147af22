package jllm.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jllm.formats.tokenizer.TokenType;
import jllm.formats.tokenizer.Vocabulary;
import jllm.formats.tokenizer.VocabularyType;

/**
 * Writes a Hugging Face {@code tokenizer.json} that tokenizes like a jllm {@link Vocabulary}, so
 * that HF's Rust tokenizers can be run on the same vocabulary for comparison. Two shapes are
 * supported, the ones the encode benchmarks use:
 *
 * <ul>
 *   <li>byte-level BPE with the Llama-3 split regex ({@code tokenizer.ggml.pre = llama-bpe}), as
 *       Meta's Llama-3 {@code tokenizer.json} has it;
 *   <li>SentencePiece BPE (Llama 2) the way HF's SentencePiece converter writes it: BPE with
 *       {@code byte_fallback}, merges made from the piece scores, and a normalizer that prepends
 *       {@code ▁} and turns spaces into {@code ▁}.
 * </ul>
 *
 * Control (and, for SPM, unknown) tokens become special added tokens. No post-processor is written:
 * the benchmarks encode without special tokens.
 */
final class HfTokenizerJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The Llama-3 pre-tokenizer regex as Meta's tokenizer.json spells it. */
    static final String LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|"
            + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private HfTokenizerJson() {}

    /**
     * Writes {@code dir/tokenizer.json} for the vocabulary and returns its path.
     *
     * @throws IllegalArgumentException for a vocabulary that is neither SPM nor llama-bpe BPE
     */
    static Path write(Vocabulary v, Path dir) throws IOException {
        ObjectNode root = switch (v.type()) {
            case SPM -> sentencePiece(v);
            case BPE -> {
                if (!v.preTokenizer().equals("llama-bpe") && !v.preTokenizer().equals("llama3")) {
                    throw new IllegalArgumentException("no HF equivalent written for pre-tokenizer " + v.preTokenizer());
                }
                yield llama3ByteLevel(v);
            }
        };
        Path file = dir.resolve("tokenizer.json");
        JSON.writeValue(file.toFile(), root);
        return file;
    }

    /** Byte-level BPE, ranked merges, Llama-3 split regex followed by the byte-level mapping. */
    private static ObjectNode llama3ByteLevel(Vocabulary v) {
        ObjectNode root = header();
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode model = model(root, false).put("ignore_merges", true);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < v.size(); i++) {
            if (v.tokenType(i) == TokenType.CONTROL) {
                addSpecial(added, i, v.token(i));
            } else {
                vocab.put(v.token(i), i);
            }
        }
        ArrayNode merges = model.putArray("merges");
        for (String m : v.merges()) {
            merges.add(m);
        }
        ObjectNode seq = root.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode parts = seq.putArray("pretokenizers");
        ObjectNode split = parts.addObject().put("type", "Split").put("behavior", "Isolated").put("invert", false);
        split.putObject("pattern").put("Regex", LLAMA3_SPLIT);
        parts.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", false);
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true)
                .put("use_regex", true);
        return root;
    }

    /** SentencePiece-style BPE with byte fallback and merges derived from the piece scores. */
    private static ObjectNode sentencePiece(Vocabulary v) {
        if (v.type() != VocabularyType.SPM) {
            throw new IllegalArgumentException(v.type().toString());
        }
        ObjectNode root = header();
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode model = model(root, true).put("unk_token", "<unk>").put("fuse_unk", true);
        ObjectNode vocab = model.putObject("vocab");
        String[] tok = v.tokens();
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tok.length; i++) {
            vocab.put(tok[i], i);
            ids.put(tok[i], i);
            if (v.tokenType(i) == TokenType.CONTROL || v.tokenType(i) == TokenType.UNKNOWN) {
                addSpecial(added, i, tok[i]);
            }
        }
        ArrayNode mj = model.putArray("merges");
        for (int[] m : spmMerges(v, ids)) {
            mj.add(tok[m[1]] + " " + tok[m[2]]);
        }
        ObjectNode norm = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode ns = norm.putArray("normalizers");
        ns.addObject().put("type", "Prepend").put("prepend", "\u2581");
        ns.addObject().put("type", "Replace").put("content", "\u2581").putObject("pattern").put("String", " ");
        return root;
    }

    /** The fields every tokenizer.json starts with: no truncation, no padding. */
    private static ObjectNode header() {
        ObjectNode root = JSON.createObjectNode().put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        return root;
    }

    /** A BPE model node with the optional fields HF writes, filled in by the caller. */
    private static ObjectNode model(ObjectNode root, boolean byteFallback) {
        ObjectNode model = root.putObject("model").put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        return model.put("fuse_unk", false).put("byte_fallback", byteFallback).put("ignore_merges", false);
    }

    /** A special added token, with every field HF's deserializer requires. */
    private static void addSpecial(ArrayNode added, int id, String content) {
        added.addObject().put("id", id).put("content", content).put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", true);
    }

    /**
     * Merges as HF's SentencePiece converter makes them: every split of every normal piece into two
     * pieces of the vocabulary, ordered by the piece's score (highest first), then by ids. Each entry
     * is {@code {piece, left, right}}.
     */
    private static List<int[]> spmMerges(Vocabulary v, Map<String, Integer> ids) {
        String[] tok = v.tokens();
        List<int[]> merges = new ArrayList<>();
        for (int i = 0; i < tok.length; i++) {
            if (v.tokenType(i) != TokenType.NORMAL) {
                continue;
            }
            String s = tok[i];
            for (int j = s.offsetByCodePoints(0, 1); j < s.length(); j = s.offsetByCodePoints(j, 1)) {
                Integer a = ids.get(s.substring(0, j));
                Integer b = ids.get(s.substring(j));
                if (a != null && b != null) {
                    merges.add(new int[] {i, a, b});
                }
            }
        }
        float[] sc = v.scores();
        merges.sort(Comparator.<int[]>comparingDouble(m -> -sc[m[0]]).thenComparingInt(m -> m[0])
                .thenComparingInt(m -> m[1]).thenComparingInt(m -> m[2]));
        return merges;
    }
}
