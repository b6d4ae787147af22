package jllm.formats.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jllm.formats.FormatException;
import jllm.formats.GgufFile;
import jllm.formats.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerFilesTest {
    @TempDir
    Path tmp;

    static Path shared(String relative) {
        String p = System.getProperty("jllm.shared");
        Path root = p != null ? Path.of(p) : Path.of("..", "shared");
        Path f = root.resolve(relative).toAbsolutePath().normalize();
        assumeTrue(Files.exists(f), "skipped: " + f + " is absent (../shared is not beside this checkout)");
        return f;
    }

    @Test
    void readsTheLlama2cTokenizerLikeLlamaCppsConverter() throws IOException {
        Vocabulary v = Vocabularies.read(shared("fixtures/stories260K/tok512.bin"));
        assertThat(v.size()).isEqualTo(512);
        assertThat(v.type()).isEqualTo(VocabularyType.SPM);
        assertThat(v.tokens()).startsWith("<unk>", "<s>", "</s>", "<0x00>");
        assertThat(v.types()).startsWith(TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL, TokenType.BYTE);
        assertThat(v.special()).isEqualTo(new SpecialTokenIds(1, 2, -1, 0, -1, -1, -1));
        assertThat(v.addBos()).isTrue();
        assertThat(v.addSpacePrefix()).isTrue();
    }

    @Test
    void ggufMetadataRoundTrips() throws IOException {
        Vocabulary v = Vocabularies.read(shared("fixtures/tokenizers/ggml-vocab-gpt-2.gguf"));
        assertThat(v.preTokenizer()).isEqualTo("gpt-2");
        assertThat(v.merges()).hasSize(50000).startsWith("Ġ t");
        assertThat(v.addBos()).isFalse();
        Path out = tmp.resolve("v.gguf");
        GgufVocabulary.writeVocabularyFile(v, "copy", out);
        Vocabulary back = Vocabularies.read(out);
        assertThat(back.tokens()).isEqualTo(v.tokens());
        assertThat(back.types()).isEqualTo(v.types());
        assertThat(back.merges()).isEqualTo(v.merges());
        assertThat(back.special()).isEqualTo(v.special());
        try (GgufFile g = GgufFile.open(out)) {
            assertThat(g.tensors()).isEmpty();
            assertThat(g.metadata().getInt("llama.vocab_size")).isEqualTo(50257);
        }
    }

    @Test
    void truncatedOrForeignLlama2cFilesFailWithTheField() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + 3 * 9 + 6).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(8);
        for (String s : new String[] {"a", "b", "c"}) {
            b.putFloat(0f).putInt(1).put(s.getBytes(StandardCharsets.US_ASCII));
        }
        b.putFloat(0f).putShort((short) 3);  // cut inside the 4th token's length
        Path f = tmp.resolve("tokenizer.bin");
        Files.write(f, b.array());
        assertThatThrownBy(() -> Vocabularies.read(f)).isInstanceOf(FormatException.class)
                .hasMessageContaining("tokenizer.bin").hasMessageContaining("tokens[3]");
        Files.write(f, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 1, 2});
        assertThatThrownBy(() -> Vocabularies.read(f)).isInstanceOf(FormatException.class)
                .hasMessageContaining("max_token_length");
        b = ByteBuffer.allocate(4 + 8).order(ByteOrder.LITTLE_ENDIAN).putInt(8).putFloat(0).putInt(1000);
        Files.write(f, b.array());
        assertThatThrownBy(() -> Vocabularies.read(f)).hasMessageContaining("tokens[0].len");
    }

    @Test
    void unsupportedOrBrokenTokenizerJsonFailsWithTheField() throws IOException {
        Path f = tmp.resolve("tokenizer.json");
        Files.writeString(f, "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]]}}");
        assertThatThrownBy(() -> Vocabularies.read(f)).isInstanceOf(FormatException.class)
                .hasMessageContaining("model.type").hasMessageContaining("Unigram");
        Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, ");
        assertThatThrownBy(() -> Vocabularies.read(f)).isInstanceOf(FormatException.class)
                .hasMessageContaining("malformed JSON");
        Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"byte_fallback\": true, \"vocab\": {\"a\": -4}}}");
        assertThatThrownBy(() -> Vocabularies.read(f)).hasMessageContaining("model.vocab['a']");
        Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"ab\"]},"
                + " \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}");
        assertThatThrownBy(() -> Vocabularies.read(f)).hasMessageContaining("model.merges[0]");
        assertThatThrownBy(() -> Vocabularies.read(Files.createDirectory(tmp.resolve("empty"))))
                .isInstanceOf(FormatException.class).hasMessageContaining("no tokenizer.json");
    }

    @Test
    void ggufWithoutATokenizerOrWithAnUnknownModelIsRejected() throws IOException {
        Path f = tmp.resolve("none.gguf");
        new GgufWriter().put("general.architecture", jllm.formats.MetadataValue.ofString("llama")).write(f);
        assertThatThrownBy(() -> Vocabularies.read(f)).isInstanceOf(FormatException.class)
                .hasMessageContaining("tokenizer.ggml.model").hasMessageContaining("no tokenizer");
        new GgufWriter().put(GgufVocabulary.MODEL, jllm.formats.MetadataValue.ofString("t5"))
                .put(GgufVocabulary.TOKENS, jllm.formats.MetadataValue.ofStrings("a")).write(f);
        assertThatThrownBy(() -> Vocabularies.read(f)).hasMessageContaining("'t5' is not supported");
        new GgufWriter().put(GgufVocabulary.MODEL, jllm.formats.MetadataValue.ofString("gpt2"))
                .put(GgufVocabulary.TOKENS, jllm.formats.MetadataValue.ofStrings("a")).write(f);
        assertThatThrownBy(() -> Vocabularies.read(f)).hasMessageContaining(GgufVocabulary.MERGES);
    }
}
