package jllm.engine.train;

import java.nio.file.Files;
import java.nio.file.Path;
import jllm.engine.model.ModelConfig;
import jllm.engine.model.ModelConfig.Architecture;
import jllm.engine.model.ModelConfig.Mlp;
import jllm.engine.model.ModelConfig.Norm;
import jllm.engine.model.ModelConfig.Rope;
import jllm.kernels.Parallel;

/**
 * nanoGPT's char-level CPU recipe on tinyshakespeare (not a unit test):
 * {@code java ... jllm.engine.train.NanoGptBench gpt2|llama [steps] [shared dir]}. Prints
 * tokens/s, validation loss and wall time.
 */
public final class NanoGptBench {
    /** llm.c's CPU peer: a GPT-2 124M-shaped model, batch 4 x 64 tokens; reports the median step time. */
    static void gpt2Small(TokenDataset data, int steps) {
        ModelConfig c = new ModelConfig(Architecture.GPT2, 768, 12, 12, 12, 64, 3072, 50257, 1024, Norm.LAYER, 1e-5f,
                Rope.NONE, 0, 0f, 1f, null, Mlp.GELU, false, true);
        TrainConfig cfg = new TrainConfig(64, 4, steps, 1e-4f, 1e-4f, 0, 0.1f, 1f, 1, 0f, 0, 1, 0, 1, null, 1);
        try (Parallel pool = new Parallel(Runtime.getRuntime().availableProcessors())) {
            Trainer t = Trainer.create(c, true, cfg, data, pool);
            System.out.printf("gpt2-124m: %,d parameters, %d threads%n", t.model().parameterCount(), pool.threads());
            double[] ms = new double[steps];
            for (int i = 0; i < steps; i++) {
                StepResult r = t.step();
                ms[i] = cfg.tokensPerStep() / r.tokensPerSecond() * 1000;
                System.out.printf("step %d loss %.4f %.0f ms %.1f tok/s%n", r.step(), r.loss(), ms[i], r.tokensPerSecond());
            }
            double[] rest = java.util.Arrays.copyOfRange(ms, 1, steps);
            java.util.Arrays.sort(rest);
            double median = rest[rest.length / 2];
            System.out.printf("RESULT gpt2-124m median %.0f ms/step, %.1f tokens/s (step 1 excluded)%n", median,
                    cfg.tokensPerStep() / median * 1000);
        }
    }

    public static void main(String[] args) throws Exception {
        String arch = args.length > 0 ? args[0] : "gpt2";
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        Path shared = Path.of(args.length > 2 ? args[2] : "../shared");
        TokenDataset data = TokenDataset.bytes(Files.readAllBytes(shared.resolve("data/pretrain/tinyshakespeare.txt")));
        if (arch.equals("gpt2-124m")) {
            gpt2Small(data, steps);
            return;
        }
        ModelConfig c = arch.equals("llama")
                ? new ModelConfig(Architecture.LLAMA, 128, 4, 4, 4, 32, 352, 256, 64, Norm.RMS, 1e-5f, Rope.ADJACENT, 32,
                        10000f, 1f, null, Mlp.SWIGLU, false, false)
                : new ModelConfig(Architecture.GPT2, 128, 4, 4, 4, 32, 512, 256, 64, Norm.LAYER, 1e-5f, Rope.NONE, 0, 0f,
                        1f, null, Mlp.GELU, false, true);
        TrainConfig cfg = TrainConfig.nanoGptCpu(null).withSteps(steps);
        try (Parallel pool = new Parallel(Runtime.getRuntime().availableProcessors())) {
            Trainer t = Trainer.create(c, true, cfg, data, pool);
            System.out.printf("%s: %,d parameters, %d threads%n", arch, t.model().parameterCount(), pool.threads());
            long t0 = System.nanoTime();
            double[] tokens = {0};
            double val = t.train(new TrainListener() {
                @Override
                public void onStep(StepResult s) {
                    if (s.step() % 100 == 0 || s.step() == 1) {
                        double secs = (System.nanoTime() - t0) / 1e9;
                        System.out.printf("step %4d loss %.4f lr %.2e %.0f tok/s (avg %.0f) %.1fs%n", s.step(), s.loss(),
                                s.lr(), s.tokensPerSecond(), s.step() * cfg.tokensPerStep() / secs, secs);
                    }
                }

                @Override
                public void onEval(int step, double v) {
                    System.out.printf("step %4d val %.4f%n", step, v);
                }
            });
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("RESULT %s steps %d val_loss %.4f (20 batches) wall %.1fs tokens/s %.0f%n", arch, steps,
                    val, secs, steps * cfg.tokensPerStep() / secs);
            System.out.printf("RESULT %s full validation split loss %.4f%n", arch, t.evaluate(0));
            int[] prompt = "ROMEO:".chars().toArray();
            int[] out = t.sample(prompt, 200, 0.8f, 1);
            StringBuilder sb = new StringBuilder("ROMEO:");
            for (int x : out) {
                sb.append((char) x);
            }
            System.out.println(sb);
        }
    }
}
