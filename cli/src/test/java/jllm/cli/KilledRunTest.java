package jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jllm.engine.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training run killed with SIGKILL at arbitrary moments, while it checkpoints every step,
 * always leaves a checkpoint that loads, and no half-written file in its place.
 */
class KilledRunTest {
    @TempDir
    Path tmp;

    @Test
    void kill9DuringCheckpointingLeavesALoadableCheckpoint() throws Exception {
        Path data = SharedFiles.file("data/pretrain/tinyshakespeare.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int loaded = 0;
        for (int attempt = 0; attempt < 3; attempt++) {
            Path out = tmp.resolve("run" + attempt);
            List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "jllm.cli.Main",
                    "pretrain", "--data", data.toString(), "--config",
                    "{\"layers\":2,\"heads\":2,\"embedding_length\":64,\"context_length\":32}", "--arch", "llama",
                    "--ctx", "32", "--batch", "4", "--steps", "100000", "--eval-every", "0", "--checkpoint-every", "1",
                    "--out", out.toString(), "-t", "1"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("log" + attempt).toFile()).start();
            // Wait for the first checkpoint, then kill at a different moment each time.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(out.resolve("checkpoint.bin")) && System.nanoTime() < deadline && p.isAlive()) {
                Thread.sleep(20);
            }
            Thread.sleep(150 + 170L * attempt);
            p.destroyForcibly(); // SIGKILL
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(out.resolve("checkpoint.bin")).as(Files.readString(tmp.resolve("log" + attempt))).isRegularFile();
            Checkpoint ck = Checkpoint.read(out.resolve("checkpoint.bin"));
            assertThat(ck).isNotNull();
            loaded++;
        }
        assertThat(loaded).isEqualTo(3);
    }
}
