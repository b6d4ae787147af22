package jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GenerateCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonOutputCarriesIdsTextSpeedAndLogprobs() throws Exception {
        Path dir = SharedFiles.file("fixtures/stories260K");
        JsonNode run = JSON.readTree(dir.resolve("expected.json").toFile()).get("variants").get("q8_0").get("runs").get(1);
        CliRunner r = CliRunner.run("generate", "-m", dir.resolve("stories260K-q8_0.gguf").toString(),
                "-p", run.get("prompt").asText(), "-n", "64", "--temperature", "0", "--ignore-eos", "--json",
                "--top-logprobs", "2", "-t", "2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.get("prompt_tokens")).isEqualTo(run.get("prompt_ids"));
        assertThat(j.get("tokens")).isEqualTo(run.get("generated_ids"));
        assertThat(j.get("text").asText()).isNotEmpty();
        assertThat(j.get("prompt_tokens_per_second").asDouble()).isPositive();
        assertThat(j.get("tokens_per_second").asDouble()).isPositive();
        assertThat(j.get("top_logprobs")).hasSize(64);
        assertThat(j.get("top_logprobs").get(0).get(0).get("id")).isEqualTo(run.get("generated_ids").get(0));
        assertThat(r.err()).contains("tokens/s").contains("time to first token");
        // The JVM was up before the request, so its uptime at the first token is the larger.
        assertThat(j.get("first_token_uptime_ms").asLong()).isGreaterThan((long) j.get("time_to_first_token_ms").asDouble());
    }

    @Test
    void streamsTextAndRejectsAPromptLongerThanTheContext() {
        Path model = SharedFiles.file("fixtures/stories260K/stories260K-f32.gguf");
        CliRunner ok = CliRunner.run("generate", "-m", model.toString(), "-p", "Lily", "-n", "8", "--seed", "3");
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.out()).isNotBlank();
        CliRunner tooLong = CliRunner.run("generate", "-m", model.toString(), "-p", "Once upon a time ".repeat(20),
                "--ctx", "16", "-n", "4");
        assertThat(tooLong.exitCode()).isEqualTo(1);
        assertThat(tooLong.err()).startsWith("jllm: the prompt has").contains("context of 16 tokens")
                .doesNotContain("Exception");
        CliRunner badOption = CliRunner.run("generate", "-m", model.toString(), "-p", "x", "--top-p", "1.5");
        assertThat(badOption.exitCode()).isEqualTo(1);
        assertThat(badOption.err()).contains("--top-p must be in (0, 1]");
    }

    @Test
    void chatReadsTurnsFromAPipeAndKeepsItsCache() {
        Path model = SharedFiles.file("fixtures/stories260K/stories260K-f32.gguf");
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream("Hello there\n/reset\nAgain\n/exit\nnever read\n"
                    .getBytes(StandardCharsets.UTF_8)));
            CliRunner r = CliRunner.run("chat", "-m", model.toString(), "--ctx", "512", "-n", "6",
                    "--temperature", "0", "--ignore-eos", "--system", "Be brief.");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.err()).contains("template chatml").contains("(conversation reset)");
            assertThat(r.err().lines().filter(l -> l.startsWith("[")).count()).isEqualTo(2);
            assertThat(r.out().lines().count()).isEqualTo(2);
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void withoutAModelTheBundledShakespeareModelGenerates() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("jllm.home") != null, "jllm.home is not set");
        CliRunner r = CliRunner.run("generate", "-p", "ROMEO:", "-n", "100", "--context-shift", "--seed", "1", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.get("tokens")).hasSize(100);
        String text = j.get("text").asText();
        // A character model that learned English-like Shakespeare: mostly letters and spaces.
        long letters = text.chars().filter(ch -> Character.isLetter(ch) || ch == ' ').count();
        assertThat(letters).isGreaterThan(60);
        assertThat(text).contains(" ");
    }
}
