package jllm.engine.chat;

import java.time.ZonedDateTime;

/** The global functions Hugging Face adds to chat templates. */
final class TemplateFunctions {

    private TemplateFunctions() {
    }

    /** {@code raise_exception(msg)}: aborts rendering; surfaces as IllegalArgumentException. */
    static String raiseException(String message) {
        throw new TemplateRaisedException(message);
    }

    /** {@code strftime_now(fmt)}: the local time formatted with Python's strftime codes. */
    static String strftimeNow(String format) {
        return PythonStrftime.format(format, ZonedDateTime.now());
    }
}
