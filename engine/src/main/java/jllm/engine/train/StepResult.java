package jllm.engine.train;

/**
 * One optimizer step's report.
 *
 * @param step            steps done, this one included (1-based)
 * @param loss            mean training loss over the step's micro-batches
 * @param tokensPerSecond training tokens per second of this step
 * @param lr              learning rate used
 * @param gradNorm        global gradient norm before clipping
 */
public record StepResult(int step, double loss, double tokensPerSecond, float lr, double gradNorm) {}
