package jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfoCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void storiesGgufAndBinReportTheSameShape() throws Exception {
        for (String f : List.of("stories260K-f32.gguf", "stories260K-q8_0.gguf", "stories260K-q4_0.gguf", "stories260K.bin")) {
            Path p = SharedFiles.file("fixtures/stories260K/" + f);
            CliRunner r = CliRunner.run("info", "-m", p.toString(), "--json");
            assertThat(r.exitCode()).as(r.err()).isZero();
            JsonNode j = JSON.readTree(r.out());
            assertThat(j.get("format").asText()).isEqualTo(f.endsWith(".bin") ? "llama2c" : "gguf");
            assertThat(j.get("architecture").asText()).isEqualTo("llama");
            assertThat(j.get("layers").asInt()).isEqualTo(5);
            assertThat(j.get("heads").asInt()).isEqualTo(8);
            assertThat(j.get("kv_heads").asInt()).isEqualTo(4);
            assertThat(j.get("embedding_length").asInt()).isEqualTo(64);
            assertThat(j.get("feed_forward_length").asInt()).isEqualTo(172);
            assertThat(j.get("vocab_size").asInt()).isEqualTo(512);
            assertThat(j.get("file_bytes").asLong()).isEqualTo(Files.size(p));
            assertThat(j.get("parameters").asLong()).isGreaterThan(250_000);
            assertThat(j.has("context_length")).isTrue();
            assertThat(j.get("tensor_types").get("F32").asInt()).isPositive();
        }
        CliRunner q4 = CliRunner.run("info", "-m", SharedFiles.file("fixtures/stories260K/stories260K-q4_0.gguf").toString());
        assertThat(q4.out()).contains("Q4_0 x32").contains("8 / 4").contains("llama, 512 tokens");
    }

    @Test
    void kQuantFileShowsTheTypeMix() throws Exception {
        CliRunner r = CliRunner.run("info", "--json", "-m", SharedFiles.file("fixtures/quants/kquant-q4_k_m.gguf").toString());
        JsonNode types = JSON.readTree(r.out()).get("tensor_types");
        assertThat(types.get("Q4_K").asInt()).isPositive();
        assertThat(types.get("Q6_K").asInt()).isPositive();
    }

    @Test
    void badInputIsOneClearLineAndExitCode1() throws Exception {
        Path junk = tmp.resolve("junk.gguf");
        Files.writeString(junk, "GGUF but not really");
        CliRunner r = CliRunner.run("info", "-m", junk.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("jllm: " + junk).doesNotContain("Exception").doesNotContain("\tat ");
        CliRunner missing = CliRunner.run("info", "-m", tmp.resolve("nope.gguf").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.gguf: no such file");
        CliRunner usage = CliRunner.run("info");
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.err()).contains("--model");
    }

    @Test
    void helpListsCommandsAndEachCommandHasHelp() {
        CliRunner top = CliRunner.run("--help");
        assertThat(top.exitCode()).isZero();
        assertThat(top.out()).contains("info");
        CliRunner info = CliRunner.run("info", "--help");
        assertThat(info.exitCode()).isZero();
        assertThat(info.out()).contains("--json").contains("--model");
    }
}
