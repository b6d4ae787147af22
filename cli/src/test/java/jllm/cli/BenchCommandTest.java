package jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class BenchCommandTest {
    @Test
    void jsonReportsSpeedsRooflineAndHeapPerToken() throws Exception {
        String model = SharedFiles.file("fixtures/stories260K/stories260K-q8_0.gguf").toString();
        CliRunner r = CliRunner.run("bench", "-m", model, "-p", "16", "-n", "8", "-r", "2", "-t", "1", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("pp").get("n").asInt()).isEqualTo(16);
        assertThat(j.get("pp").get("tokens_per_second").asDouble()).isPositive();
        assertThat(j.get("tg").get("n").asInt()).isEqualTo(8);
        assertThat(j.get("tg").get("tokens_per_second").asDouble()).isPositive();
        assertThat(j.get("threads").asInt()).isEqualTo(1);
        assertThat(j.get("bandwidth_bytes_per_second").asDouble()).isPositive();
        // HotSpot counts allocated bytes per thread, so the figure is a real measurement here.
        assertThat(j.get("tg_heap_bytes_per_token").asLong()).isNotNegative();
    }

    @Test
    void badCountsAreOneClearLine() throws Exception {
        String model = SharedFiles.file("fixtures/stories260K/stories260K-q8_0.gguf").toString();
        CliRunner r = CliRunner.run("bench", "-m", model, "-r", "0");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("-r >= 1").doesNotContain("\tat ");
    }

    @Test
    void coldStartRunsFreshJvmsAndReportsTheFirstToken() throws Exception {
        String model = SharedFiles.file("fixtures/stories260K/stories260K-q8_0.gguf").toString();
        CliRunner r = CliRunner.run("bench", "-m", model, "--cold-start", "-r", "2", "-t", "1", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode c = new ObjectMapper().readTree(r.out()).get("cold_start");
        assertThat(c.get("runs").asInt()).isEqualTo(2);
        JsonNode uptime = c.get("first_token_after_jvm_start_ms"), ttft = c.get("time_to_first_token_ms");
        assertThat(uptime.get("values")).hasSize(2);
        assertThat(ttft.get("min").asDouble()).isPositive();
        // The request comes after the JVM started, and the process ends after its first token.
        assertThat(uptime.get("min").asDouble()).isGreaterThan(ttft.get("min").asDouble());
        assertThat(c.get("process_ms").get("median").asDouble()).isGreaterThanOrEqualTo(uptime.get("median").asDouble());
        assertThat(uptime.get("median").asDouble()).isBetween(uptime.get("min").asDouble(), uptime.get("max").asDouble());
        // main() begins after the JVM started and before the request.
        JsonNode afterMain = c.get("first_token_after_main_ms");
        assertThat(afterMain.get("values")).hasSize(2);
        assertThat(afterMain.get("min").asDouble()).isPositive().isLessThan(uptime.get("min").asDouble())
                .isGreaterThanOrEqualTo(ttft.get("min").asDouble());
    }

    @Test
    void aColdStartRunThatFailsReportsTheChildsError() {
        String model = SharedFiles.file("fixtures/stories260K/stories260K-q8_0.gguf").toString();
        CliRunner r = CliRunner.run("bench", "-m", model, "--cold-start", "-r", "1", "--backend", "bogus");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("cold-start run failed").contains("unknown backend 'bogus'")
                .doesNotContain("compiler directives").doesNotContain("\tat ");
    }

    @Test
    void coldStartOfAMissingFileIsOneLine() {
        CliRunner r = CliRunner.run("bench", "-m", "no-such-model.gguf", "--cold-start", "-r", "1");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("no-such-model.gguf").doesNotContain("\tat ");
    }
}
