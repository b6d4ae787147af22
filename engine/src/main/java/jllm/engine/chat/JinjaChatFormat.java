package jllm.engine.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Renders a Hugging Face style Jinja chat template with {@link JinjaEnvironment}. */
final class JinjaChatFormat implements ChatFormat {

    private final String template;
    private final String bosToken;
    private final String eosToken;

    JinjaChatFormat(String template, String bosToken, String eosToken) {
        this.template = JinjaCompat.rewrite(withoutFinalNewline(template));
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        checkSyntax(this.template);
    }

    @Override
    public String apply(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("role", m.role());
            entry.put("content", m.content());
            list.add(entry);
        }
        Map<String, Object> context = new HashMap<>();
        context.put("messages", list);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        RenderResult result = JinjaEnvironment.jinjava().renderForResult(template, context);
        List<TemplateError> fatal = fatal(result.getErrors());
        if (!fatal.isEmpty()) {
            throw failure("chat template failed to render", fatal);
        }
        return result.getOutput();
    }

    /** Jinja2's default {@code keep_trailing_newline=False}: drops one newline ending the source. */
    private static String withoutFinalNewline(String template) {
        if (template.endsWith("\r\n")) {
            return template.substring(0, template.length() - 2);
        }
        return template.endsWith("\n") ? template.substring(0, template.length() - 1) : template;
    }

    private static void checkSyntax(String template) {
        JinjavaInterpreter interpreter = JinjaEnvironment.jinjava().newInterpreter();
        try (var current = JinjavaInterpreter.closeablePushCurrent(interpreter).get()) {
            current.value().parse(template);
        }
        List<TemplateError> fatal = fatal(interpreter.getErrors());
        if (!fatal.isEmpty()) {
            throw failure("chat template has a syntax error", fatal);
        }
    }

    private static List<TemplateError> fatal(List<TemplateError> errors) {
        return errors.stream().filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
    }

    /** The template's own raise_exception message when there is one, else Jinjava's errors. */
    private static IllegalArgumentException failure(String what, List<TemplateError> errors) {
        for (TemplateError e : errors) {
            for (Throwable t = e.getException(); t != null; t = t.getCause()) {
                if (t instanceof TemplateRaisedException raised) {
                    return new IllegalArgumentException(
                            "chat template raised an exception: " + raised.getMessage(), raised);
                }
            }
        }
        String details = errors.stream()
                .map(e -> e.getMessage() + (e.getLineno() > 0 ? " (line " + e.getLineno() + ")" : ""))
                .distinct()
                .collect(Collectors.joining("; "));
        return new IllegalArgumentException(what + ": " + details);
    }
}
