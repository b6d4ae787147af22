package jllm.engine.train;

/**
 * nanoGPT's learning-rate schedule: linear warm-up over {@code warmup} steps, then cosine decay
 * from {@code lr} to {@code minLr} at step {@code decaySteps}, then {@code minLr}.
 */
public record LrSchedule(float lr, float minLr, int warmup, int decaySteps) {
    /** The rate for step {@code step} (0-based). */
    public float at(int step) {
        if (step < warmup) {
            return lr * (step + 1) / (warmup + 1);
        }
        if (step >= decaySteps) {
            return minLr;
        }
        double ratio = (double) (step - warmup) / Math.max(1, decaySteps - warmup);
        double coeff = 0.5 * (1 + Math.cos(Math.PI * ratio));
        return (float) (minLr + coeff * (lr - minLr));
    }
}
