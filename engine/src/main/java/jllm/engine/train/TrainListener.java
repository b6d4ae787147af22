package jllm.engine.train;

import java.nio.file.Path;

/** Progress callbacks of {@link Trainer#train}; all optional. */
public interface TrainListener {
    default void onStep(StepResult step) {}

    default void onEval(int step, double validationLoss) {}

    default void onCheckpoint(int step, Path file) {}

    /** Asked after every step; true stops training (after a final checkpoint), e.g. on Ctrl-C. */
    default boolean stopRequested() { return false; }
}
