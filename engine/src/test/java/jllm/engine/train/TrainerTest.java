package jllm.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jllm.engine.model.ModelConfig;
import jllm.engine.model.Session;
import jllm.engine.model.Transformer;
import jllm.kernels.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reproducibility, exact resume, atomic checkpoints, learning, and export of a trained model. */
class TrainerTest {
    static final Parallel POOL = new Parallel(2);
    static final TokenDataset DATA = TokenDataset.bytes(text().getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path tmp;

    @AfterAll
    static void close() {
        POOL.close();
    }

    static String text() {
        StringBuilder b = new StringBuilder();
        String[] words = {"to be", "or not", "that is", "the question", "whether tis", "nobler"};
        for (int i = 0; i < 300; i++) {
            b.append(words[(i * 7 + i / 5) % words.length]).append(i % 4 == 0 ? ".\n" : " ");
        }
        return b.toString();
    }

    static ModelConfig gpt2() {
        return TinyModels.gpt2(32, 4, 64, 256, 16);
    }

    static ModelConfig llama() {
        return TinyModels.llama(32, 4, 2, 64, 256, 16);
    }

    TrainConfig config(int steps, float dropout, int accumulation, Path out) {
        return new TrainConfig(16, 4, steps, 3e-3f, 3e-4f, 3, 0.1f, 1f, accumulation, dropout, 0, 4, 0, 99, out, 1);
    }

    static float[] flat(Trainer t) {
        List<Float> all = new ArrayList<>();
        for (Parameter p : t.model().parameters()) {
            for (float v : p.values()) {
                all.add(v);
            }
        }
        float[] a = new float[all.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = all.get(i);
        }
        return a;
    }

    @Test
    void sameSeedSameWeights() {
        TrainConfig c = config(6, 0.1f, 2, null);
        Trainer a = Trainer.create(llama(), false, c, DATA, POOL);
        Trainer b = Trainer.create(llama(), false, c, DATA, POOL);
        for (int i = 0; i < 6; i++) {
            a.step();
            b.step();
        }
        assertThat(flat(a)).containsExactly(flat(b));
        TrainConfig other = new TrainConfig(16, 4, 6, 3e-3f, 3e-4f, 3, 0.1f, 1f, 2, 0.1f, 0, 4, 0, 100, null, 1);
        Trainer d = Trainer.create(llama(), false, other, DATA, POOL);
        d.step();
        assertThat(flat(d)).isNotEqualTo(flat(a));
    }

    @Test
    void twentyStepsEqualTenResumeTen() throws IOException {
        TrainConfig c = config(20, 0.1f, 2, tmp.resolve("one"));
        Trainer straight = Trainer.create(gpt2(), true, c, DATA, POOL);
        for (int i = 0; i < 20; i++) {
            straight.step();
        }
        Trainer first = Trainer.create(gpt2(), true, c.withOutDir(tmp.resolve("two")), DATA, POOL);
        for (int i = 0; i < 10; i++) {
            first.step();
        }
        Path ck = first.save();
        Trainer resumed = Trainer.resume(ck, DATA, POOL);
        assertThat(resumed.stepsDone()).isEqualTo(10);
        for (int i = 0; i < 10; i++) {
            resumed.step();
        }
        assertThat(flat(resumed)).containsExactly(flat(straight));
        assertThat(resumed.optimizer().steps()).isEqualTo(20);
    }

    @Test
    void aCrashMidCheckpointLeavesThePreviousOneLoadable() throws IOException {
        TrainConfig c = config(10, 0f, 1, tmp);
        Trainer t = Trainer.create(gpt2(), true, c, DATA, POOL);
        for (int i = 0; i < 3; i++) {
            t.step();
        }
        Path file = t.save();
        float[] saved = flat(t);
        t.step();
        assertThatThrownBy(() -> t.checkpoint().write(file, s -> new FailingStream(s, 20_000)))
                .isInstanceOf(IOException.class).hasMessageContaining("disk died");
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly(Trainer.CHECKPOINT);
        }
        Trainer back = Trainer.resume(file, DATA, POOL);
        assertThat(back.stepsDone()).isEqualTo(3);
        assertThat(flat(back)).containsExactly(saved);
    }

    @Test
    void damagedCheckpointsAreRejected() throws IOException {
        Trainer t = Trainer.create(gpt2(), true, config(2, 0f, 1, tmp), DATA, POOL);
        t.step();
        Path file = t.save();
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 1;
        Path bad = tmp.resolve("bad.bin");
        Files.write(bad, bytes);
        assertThatThrownBy(() -> Checkpoint.read(bad)).hasMessageContaining("checksum");
        Files.write(bad, java.util.Arrays.copyOf(Files.readAllBytes(file), 5000));
        assertThatThrownBy(() -> Checkpoint.read(bad)).hasMessageContaining("truncated");
    }

    @Test
    void learnsAndTheExportedGgufGeneratesTheSameGreedyTokens() throws IOException {
        TrainConfig c = new TrainConfig(16, 8, 60, 5e-3f, 5e-4f, 5, 0.05f, 1f, 1, 0f, 30, 0, 0, 5, tmp, 4);
        Trainer t = Trainer.create(llama(), false, c, DATA, POOL);
        double before = t.evaluate();
        List<StepResult> steps = new ArrayList<>();
        List<Double> evals = new ArrayList<>();
        double val = t.train(new TrainListener() {
            @Override
            public void onStep(StepResult s) {
                steps.add(s);
            }

            @Override
            public void onEval(int step, double v) {
                evals.add(v);
            }
        });
        assertThat(steps).hasSize(60);
        assertThat(steps.getLast().step()).isEqualTo(60);
        assertThat(steps.getLast().tokensPerSecond()).isPositive();
        assertThat(evals).hasSize(2);
        assertThat(before).isGreaterThan(5.0); // ~ln 256
        assertThat(val).isLessThan(before - 2.0);
        assertThat(Files.exists(tmp.resolve(Trainer.CHECKPOINT))).isTrue();

        int[] prompt = "to be ".chars().toArray();
        int[] mine = t.sample(prompt, 8, 0f, 0);
        Path gguf = tmp.resolve("m.gguf");
        t.exportGguf(gguf, Map.of());
        try (Transformer tr = Transformer.open(gguf, POOL)) {
            Session s = tr.newSession(16, 16);
            int[] all = java.util.Arrays.copyOf(prompt, prompt.length + mine.length);
            float[] logits = s.forward(prompt, 0, prompt.length);
            for (int i = 0; i < mine.length; i++) {
                int next = Trainer.pick(logits, 0f, null);
                assertThat(next).as("token %d", i).isEqualTo(mine[i]);
                all[prompt.length + i] = next;
                if (i + 1 < mine.length) {
                    logits = s.forward(next);
                }
            }
        }
        int[] sampled = t.sample(prompt, 8, 1f, 3);
        assertThat(sampled).containsExactly(t.sample(prompt, 8, 1f, 3));
    }

    @Test
    void aTrainingStepAllocatesAlmostNothing() {
        Trainer t = Trainer.create(llama(), true, config(1000, 0.1f, 2, null), DATA, POOL);
        for (int i = 0; i < 300; i++) {
            t.step(); // warm up the JIT
        }
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(id);
        for (int i = 0; i < 10; i++) {
            t.step();
        }
        long perStep = (mx.getThreadAllocatedBytes(id) - before) / 10;
        // activations are preallocated: a step may only allocate its small result record
        assertThat(perStep).as("bytes allocated per step").isLessThan(2048);
    }

    /** Throws after a number of bytes, like a disk that fails mid-write. */
    static final class FailingStream extends FilterOutputStream {
        private long left;

        FailingStream(OutputStream out, long bytes) {
            super(out);
            left = bytes;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > left) {
                out.write(b, off, (int) left);
                left = 0;
                throw new IOException("disk died");
            }
            out.write(b, off, len);
            left -= len;
        }
    }
}
