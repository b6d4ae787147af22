package jllm.engine.train;

import java.nio.file.Path;

/**
 * Hyper-parameters of a training run. One {@code seed} fixes everything: initial weights, batch
 * order and dropout masks.
 *
 * @param ctx             tokens per window (the context trained on)
 * @param batch           windows per micro-batch
 * @param steps           optimizer steps in the whole run
 * @param lr              peak learning rate
 * @param minLr           learning rate at the end of the cosine decay
 * @param warmup          linear warm-up steps
 * @param weightDecay     AdamW decoupled weight decay (matrices only)
 * @param gradClip        global gradient-norm limit (0: none)
 * @param accumulation    micro-batches per optimizer step
 * @param dropout         drop probability at embeddings, attention probabilities and residual branches
 * @param evalEvery       validate every this many steps (0: only at the end)
 * @param evalBatches     validation batches per evaluation (0: the whole validation split)
 * @param checkpointEvery checkpoint every this many steps (0: only at the end)
 * @param seed            the one seed of the run
 * @param outDir          where checkpoints go
 * @param stride          distance between the starts of consecutive training windows
 */
public record TrainConfig(int ctx, int batch, int steps, float lr, float minLr, int warmup, float weightDecay,
                          float gradClip, int accumulation, float dropout, int evalEvery, int evalBatches,
                          int checkpointEvery, long seed, Path outDir, int stride) {
    public TrainConfig {
        if (ctx < 1 || batch < 1 || steps < 0 || accumulation < 1 || stride < 1) {
            throw new IllegalArgumentException("ctx, batch, accumulation and stride must be positive, steps not negative");
        }
        if (!(lr > 0) || minLr < 0 || warmup < 0 || weightDecay < 0 || gradClip < 0 || evalEvery < 0
                || evalBatches < 0 || checkpointEvery < 0) {
            throw new IllegalArgumentException("invalid training hyper-parameters: " + this);
        }
        DropoutRates.all(dropout); // validates
    }

    /** nanoGPT's shakespeare-char CPU recipe (ctx 64, batch 12, 2000 steps, lr 1e-3 to 1e-4, dropout 0). */
    public static TrainConfig nanoGptCpu(Path outDir) {
        return new TrainConfig(64, 12, 2000, 1e-3f, 1e-4f, 100, 0.1f, 1f, 1, 0f, 250, 20, 500, 1337, outDir, 1);
    }

    public TrainConfig withSteps(int n) {
        return new TrainConfig(ctx, batch, n, lr, minLr, warmup, weightDecay, gradClip, accumulation, dropout, evalEvery,
                evalBatches, checkpointEvery, seed, outDir, stride);
    }

    public TrainConfig withOutDir(Path dir) {
        return new TrainConfig(ctx, batch, steps, lr, minLr, warmup, weightDecay, gradClip, accumulation, dropout,
                evalEvery, evalBatches, checkpointEvery, seed, dir, stride);
    }

    /** Tokens consumed per optimizer step. */
    public long tokensPerStep() { return (long) ctx * batch * accumulation; }

    LrSchedule schedule() {
        return new LrSchedule(lr, minLr, warmup, steps);
    }
}
