package jllm.engine;

/** Why generation ended. */
public enum StopReason {
    /** The model produced an end-of-generation token (EOS/EOT). */
    END_OF_TEXT,
    /** The requested number of tokens was produced. */
    MAX_TOKENS,
    /** The text reached one of the stop strings (which is not part of the output). */
    STOP_STRING,
    /** The context filled up and context shifting was off. */
    CONTEXT_FULL
}
