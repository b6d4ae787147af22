package jllm.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import jllm.kernels.Parallel;
import org.junit.jupiter.api.Test;

/**
 * Results do not depend on which JIT tier runs the kernels: a prompt and greedy steps give
 * bit-identical logits in a JVM limited to C1 (the Vector API's Java fallbacks) and in this one
 * after warm-up (C2's intrinsics). This guards the class of bug fixed by FixedMath; the case
 * that was seen (a 1B model's greedy text changing from run to run with JIT timing, from the
 * JDK's EXP) only showed on the large model, and was checked there by hand (5 runs, 1 and 2
 * threads, one text).
 */
class JitIndependenceTest {
    /** 20 tokens: the attention's softmax and dot products then run full vectors, not only scalar tails. */
    static final int[] PROMPT = {1, 203, 111, 61, 178, 17, 99, 250, 31, 7, 180, 66, 201, 12, 205, 144, 3, 190, 58, 122};
    static final int STEPS = 2;

    /** One line per step: the step and a hash of its logits' bits (greedy decoding from PROMPT). */
    static String trace(Transformer t) {
        Session s = t.newSession(PROMPT.length + STEPS + 1, 8);
        StringBuilder out = new StringBuilder();
        float[] logits = s.forward(PROMPT, 0, PROMPT.length);
        for (int step = 0; step <= STEPS; step++) {
            long h = 1;
            int best = 0;
            for (int i = 0; i < logits.length; i++) {
                h = 31 * h + Float.floatToRawIntBits(logits[i]);
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            out.append("step ").append(step).append(' ').append(Long.toHexString(h)).append('\n');
            if (step < STEPS) {
                logits = s.forward(best);
            }
        }
        return out.toString();
    }

    /** The child JVM: prints the trace of the model given as the argument. */
    public static void main(String[] args) throws Exception {
        try (Parallel pool = new Parallel(1); Transformer t = Transformer.open(Path.of(args[0]), pool)) {
            System.out.print(trace(t));
        }
    }

    @Test
    void interpretedAndCompiledKernelsGiveIdenticalLogits(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // A small random Q4_K_M model (Q4_K, Q6_K; dim 256, one layer, head size 32), made here.
        ModelConfig c = ModelPresets.llama(256, 1, 8, 4, 32, 256, 256, 64, 10000f, null);
        Path model = dir.resolve("small-q4_k_m.gguf");
        java.util.Map<String, jllm.formats.MetadataValue> meta = new java.util.LinkedHashMap<>();
        meta.put("general.name", jllm.formats.MetadataValue.ofString("jit-test"));
        ModelExporter.writeGgufStreaming(model, c, ModelInit.sources(c, false, 7), QuantizationPlan.parse("q4_k_m"), meta);
        String compiled;
        try (Parallel pool = new Parallel(1); Transformer t = Transformer.open(model, pool)) {
            for (int i = 0; i < 150; i++) {   // until C2 has compiled the kernels
                trace(t);
            }
            compiled = trace(t);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Djllm.warmup=false", "-cp", System.getProperty("java.class.path"),
                JitIndependenceTest.class.getName(), model.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        String interpreted = out.lines().filter(l -> l.startsWith("step ")).reduce("", (a, b) -> a + b + "\n");
        assertThat(interpreted).isEqualTo(compiled);
    }
}
