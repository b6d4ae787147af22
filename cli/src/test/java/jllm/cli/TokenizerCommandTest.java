package jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerCommandTest {
    @TempDir
    Path tmp;

    @Test
    void trainsWritesAndTheResultTokenizes() throws Exception {
        Path data = tmp.resolve("data.txt");
        Files.writeString(data, "the cat sat on the mat. the cat ate the rat.\n".repeat(50));
        Path out = tmp.resolve("tok.gguf");
        CliRunner r = CliRunner.run("tokenizer", "train", "--data", data.toString(), "--vocab-size", "270",
                "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("trained 270 tokens (13 merges)").contains("wrote");
        CliRunner ids = CliRunner.run("tokenize", "-m", out.toString(), "--text", "the cat", "--json");
        assertThat(ids.exitCode()).as(ids.err()).isZero();
        String[] parts = ids.out().strip().replaceAll("[\\[\\]]", "").split(",");
        CliRunner text = CliRunner.run("detokenize", "-m", out.toString(), String.join(" ", parts));
        assertThat(text.out().strip()).isEqualTo("the cat");
    }

    @Test
    void rejectsAVocabularyTooSmall() throws Exception {
        Path data = tmp.resolve("data.txt");
        Files.writeString(data, "abc");
        CliRunner r = CliRunner.run("tokenizer", "train", "--data", data.toString(), "--vocab-size", "10",
                "--out", tmp.resolve("t.gguf").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("jllm: vocab size 10 is below");
    }
}
