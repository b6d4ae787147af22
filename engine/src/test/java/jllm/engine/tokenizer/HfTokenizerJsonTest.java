package jllm.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jllm.formats.tokenizer.TokenType;
import jllm.formats.tokenizer.Vocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tokenizer.json files written the way Hugging Face writes them, from the fixture vocabularies,
 * tokenize the llama.cpp vectors exactly like the GGUF files.
 */
class HfTokenizerJsonTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|"
            + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    @TempDir
    Path tmp;

    @Test
    void gpt2ByteLevel() throws IOException {
        Vocabulary g = Tokenizers.cached("ggml-vocab-gpt-2.gguf").vocabulary();
        ObjectNode root = byteLevelJson(g, false);
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
        ObjectNode config = JSON.createObjectNode().put("bos_token", "<|endoftext|>").put("add_bos_token", false);
        config.putObject("eos_token").put("content", "<|endoftext|>");
        JSON.writeValue(tmp.resolve("tokenizer_config.json").toFile(), config);
        Tokenizer t = load(root);
        assertThat(t.vocabulary().preTokenizer()).isEqualTo("gpt-2");
        assertThat(t.specialIds().bos()).isEqualTo(50256);
        assertThat(t.specialIds().eos()).isEqualTo(50256);
        assertThat(t.vocabulary().addBos()).isFalse();
        assertVectors(t, "ggml-vocab-gpt-2.gguf");
    }

    @Test
    void llama3SplitRegexWithTemplateBos() throws IOException {
        Vocabulary g = Tokenizers.cached("llama3-vocab-rebuilt.gguf").vocabulary();
        ObjectNode root = byteLevelJson(g, true);
        ObjectNode seq = root.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode parts = seq.putArray("pretokenizers");
        ObjectNode split = parts.addObject().put("type", "Split").put("behavior", "Isolated").put("invert", false);
        split.putObject("pattern").put("Regex", LLAMA3_SPLIT);
        parts.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", false);
        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        Tokenizer t = load(root);
        assertThat(t.vocabulary().preTokenizer()).isEqualTo("llama-bpe");
        assertThat(t.vocabulary().addBos()).isTrue();
        assertThat(t.encode("Hello")).containsExactly(128000, 9906);
        assertThat(t.encode("<|eot_id|>", false, true)).containsExactly(128009);
        assertVectors(t, "ggml-vocab-llama-bpe.gguf");
    }

    @Test
    void sentencePieceStyleWithMergesInsteadOfScores() throws IOException {
        Vocabulary g = Tokenizers.cached("ggml-vocab-llama-spm.gguf").vocabulary();
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model").put("type", "BPE").put("unk_token", "<unk>").put("byte_fallback", true);
        ObjectNode vocab = model.putObject("vocab");
        ArrayNode added = root.putArray("added_tokens");
        Map<String, Integer> ids = new HashMap<>();
        String[] tok = g.tokens();
        for (int i = 0; i < tok.length; i++) {
            vocab.put(tok[i], i);
            ids.put(tok[i], i);
            if (g.tokenType(i) == TokenType.CONTROL || g.tokenType(i) == TokenType.UNKNOWN) {
                added.addObject().put("id", i).put("content", tok[i]).put("special", true);
            }
        }
        // Merges the way HF's SentencePiece converter makes them: every split of every piece into two
        // pieces, ordered by the piece's score, then by the parts' ids.
        List<int[]> merges = new ArrayList<>();
        for (int i = 0; i < tok.length; i++) {
            if (g.tokenType(i) != TokenType.NORMAL) {
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
        float[] sc = g.scores();
        merges.sort(Comparator.<int[]>comparingDouble(m -> -sc[m[0]]).thenComparingInt(m -> m[0])
                .thenComparingInt(m -> m[1]).thenComparingInt(m -> m[2]));
        ArrayNode mj = model.putArray("merges");
        for (int[] m : merges) {
            mj.add(tok[m[1]] + " " + tok[m[2]]);
        }
        ObjectNode norm = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode ns = norm.putArray("normalizers");
        ns.addObject().put("type", "Prepend").put("prepend", "\u2581");
        ns.addObject().put("type", "Replace").put("content", "\u2581").putObject("pattern").put("String", " ");
        Tokenizer t = load(root);
        assertThat(t.vocabulary().type()).isEqualTo(jllm.formats.tokenizer.VocabularyType.SPM);
        assertThat(t.vocabulary().addSpacePrefix()).isTrue();
        assertThat(t.specialIds().bos()).isEqualTo(1);
        assertThat(t.specialIds().unk()).isEqualTo(0);
        assertThat(t.type(0x41 + 3)).isEqualTo(TokenType.BYTE);
        assertThat(t.encode("Hello world")).containsExactly(1, 15043, 3186);
        assertVectors(t, "ggml-vocab-llama-spm.gguf");
    }

    private static ObjectNode byteLevelJson(Vocabulary g, boolean arrayMerges) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model").put("type", "BPE").put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < g.size(); i++) {
            if (g.tokenType(i) == TokenType.CONTROL) {
                added.addObject().put("id", i).put("content", g.token(i)).put("special", true);
            } else {
                vocab.put(g.token(i), i);
            }
        }
        ArrayNode merges = model.putArray("merges");
        for (String m : g.merges()) {
            if (arrayMerges) {
                int sp = m.indexOf(' ', 1);
                merges.addArray().add(m.substring(0, sp)).add(m.substring(sp + 1));
            } else {
                merges.add(m);
            }
        }
        root.putObject("decoder").put("type", "ByteLevel");
        return root;
    }

    private Tokenizer load(ObjectNode root) throws IOException {
        Path f = tmp.resolve("tokenizer.json");
        JSON.writeValue(f.toFile(), root);
        return Tokenizer.load(tmp);  // the folder form
    }

    private static void assertVectors(Tokenizer t, String vectors) throws IOException {
        for (SharedFiles.Vector v : SharedFiles.vectors(vectors)) {
            int[] got = t.encode(v.text(), false, false);
            assertThat(got).as(FixtureVectorsTest.repr(v.text()) + " got " + Arrays.toString(got)).isEqualTo(v.ids());
        }
    }
}
