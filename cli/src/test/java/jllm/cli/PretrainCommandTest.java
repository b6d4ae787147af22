package jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainCommandTest {
    @TempDir
    Path tmp;

    @Test
    void shortRunWritesCheckpointLogPlotAndAGgufThatGenerates() throws Exception {
        Path data = SharedFiles.file("data/pretrain/tinyshakespeare.txt");
        Path out = tmp.resolve("run");
        CliRunner r = CliRunner.run("pretrain", "--data", data.toString(), "--config",
                "{\"layers\":2,\"heads\":2,\"embedding_length\":32,\"context_length\":32}", "--arch", "llama",
                "--ctx", "32", "--batch", "4", "--steps", "12", "--eval-every", "6", "--eval-batches", "2",
                "--checkpoint-every", "6", "--sample-every", "12", "--out", out.toString(), "--json", "-t", "2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("steps").asInt()).isEqualTo(12);
        assertThat(j.get("val_loss").asDouble()).isBetween(0.5, 6.0);
        assertThat(j.get("train_loss").asDouble()).isLessThan(Math.log(256) + 0.5);
        assertThat(j.get("parameters").asLong()).isPositive();
        assertThat(j.get("tokens_per_second").asDouble()).isPositive();
        assertThat(Path.of(j.get("checkpoint").asText())).isRegularFile();
        assertThat(out.resolve("loss.png")).isRegularFile();
        assertThat(Files.readAllLines(out.resolve("log.csv"))).first().isEqualTo("step,train_loss,val_loss,lr,tokens_per_second");
        assertThat(Files.readAllLines(out.resolve("log.csv"))).hasSize(1 + 12 + 2); // header, steps, evaluations at 6 and at the end
        assertThat(r.err()).contains("step 12/12").contains("validation loss").contains("sample at step 12");

        CliRunner g = CliRunner.run("generate", "-m", j.get("gguf").asText(), "-p", "ROMEO:", "-n", "8",
                "--temperature", "0", "--json");
        assertThat(g.exitCode()).as(g.err()).isZero();
        assertThat(new ObjectMapper().readTree(g.out()).get("tokens")).hasSize(8);
        CliRunner info = CliRunner.run("info", "-m", j.get("gguf").asText(), "--json");
        assertThat(new ObjectMapper().readTree(info.out()).get("vocab_size").asInt()).isEqualTo(256);
    }

    @Test
    void badShapesAreClearErrors() {
        Path data = SharedFiles.file("data/pretrain/tinyshakespeare.txt");
        CliRunner both = CliRunner.run("pretrain", "--data", data.toString(), "--out", tmp.toString());
        assertThat(both.exitCode()).isEqualTo(1);
        assertThat(both.err()).contains("exactly one of --preset and --config");
        CliRunner bad = CliRunner.run("pretrain", "--data", data.toString(), "--config", "{\"layers\": -1}",
                "--out", tmp.toString());
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).contains("layers must be a positive integer");
    }
}
