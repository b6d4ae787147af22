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
}
