package jllm.engine.model;

/** More tokens than the session's context holds. */
public final class ContextOverflowException extends IllegalStateException {
    public ContextOverflowException(String message) {
        super(message);
    }
}
