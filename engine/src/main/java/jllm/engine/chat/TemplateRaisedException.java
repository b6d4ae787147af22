package jllm.engine.chat;

/** Thrown by a template's {@code raise_exception(msg)}. */
final class TemplateRaisedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    TemplateRaisedException(String message) {
        super(message);
    }
}
