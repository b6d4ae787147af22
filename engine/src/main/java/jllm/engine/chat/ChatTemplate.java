package jllm.engine.chat;

import java.util.List;
import java.util.Objects;

/**
 * Formats a conversation as the prompt text a chat model was trained on: either the model's own
 * Jinja template ({@code tokenizer.chat_template}, rendered with Hugging Face semantics) or one
 * of the built-in formats of llama.cpp ({@link #builtinNames()}).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ChatTemplate {

    private static final List<ChatMessage> PROBE = List.of(
            ChatMessage.user("Hello"), ChatMessage.assistant("Hi"), ChatMessage.user("Bye"));

    private final String name;
    private final ChatFormat format;

    private ChatTemplate(String name, ChatFormat format) {
        this.name = name;
        this.format = format;
    }

    /**
     * A Jinja chat template, as found in a GGUF's {@code tokenizer.chat_template} or a Hugging
     * Face {@code tokenizer_config.json}. Rendered with the variables {@code messages},
     * {@code add_generation_prompt}, {@code bos_token} and {@code eos_token}, with
     * {@code trim_blocks} and {@code lstrip_blocks} on, plus {@code raise_exception(msg)},
     * {@code strftime_now(fmt)}, Python string methods and a Python-compatible {@code tojson}.
     *
     * @param bosToken text of the BOS token, or null for none
     * @param eosToken text of the EOS token, or null for none
     * @throws IllegalArgumentException when the template does not parse
     */
    public static ChatTemplate jinja(String template, String bosToken, String eosToken) {
        Objects.requireNonNull(template, "template");
        return new ChatTemplate("jinja", new JinjaChatFormat(template,
                bosToken == null ? "" : bosToken, eosToken == null ? "" : eosToken));
    }

    /**
     * A built-in format by name, producing the same text as llama.cpp's
     * {@code llm_chat_apply_template} (alpaca, which llama.cpp lacks, follows the Stanford Alpaca
     * prompt). Names: {@code chatml}, {@code llama-2} (no system block; {@code llama-2-sys},
     * {@code llama-2-sys-bos}, {@code llama-2-sys-strip} are its variants), {@code llama-3},
     * {@code mistral} (= {@code mistral-v1}; also {@code mistral-v3}, {@code mistral-v3-tekken},
     * {@code mistral-v7}, {@code mistral-v7-tekken}), {@code phi-3}, {@code alpaca}. llama.cpp's
     * spellings ({@code llama2}, {@code llama3}, {@code phi3}, ...) are accepted too.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static ChatTemplate builtin(String name) {
        Objects.requireNonNull(name, "name");
        String canonical = BuiltinFormats.canonicalName(name);
        if (canonical == null) {
            throw new IllegalArgumentException("unknown chat template '" + name + "'; known: "
                    + String.join(", ", BuiltinFormats.names()));
        }
        return new ChatTemplate(canonical, BuiltinFormats.format(canonical));
    }

    /** Names accepted by {@link #builtin(String)} (canonical spellings). */
    public static List<String> builtinNames() {
        return BuiltinFormats.names();
    }

    /**
     * The template to use for a model: a built-in when {@code templateOrNull} is a built-in name;
     * else its Jinja rendering when it parses and renders a probe conversation; else the built-in
     * that llama.cpp's {@code llm_chat_detect_template} heuristics recognise in its text; else
     * {@code builtin(fallbackName)}.
     */
    public static ChatTemplate choose(String templateOrNull, String bosToken, String eosToken,
            String fallbackName) {
        if (templateOrNull == null || templateOrNull.isBlank()) {
            return builtin(fallbackName);
        }
        if (BuiltinFormats.canonicalName(templateOrNull.strip()) != null) {
            return builtin(templateOrNull.strip());
        }
        try {
            ChatTemplate jinja = jinja(templateOrNull, bosToken, eosToken);
            jinja.render(PROBE, true);
            return jinja;
        } catch (IllegalArgumentException unusable) {
            String detected = TemplateDetector.detect(templateOrNull);
            return builtin(detected != null ? detected : fallbackName);
        }
    }

    /**
     * The prompt text for {@code messages}; with {@code addGenerationPrompt}, ending with the
     * header that opens the assistant's reply.
     *
     * @throws IllegalArgumentException when the template rejects the conversation (its
     *                                  {@code raise_exception}) or fails to render
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Objects.requireNonNull(messages, "messages");
        return format.apply(List.copyOf(messages), addGenerationPrompt);
    }

    /** {@code jinja} for a model's template, else the built-in's canonical name. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + name + "]";
    }
}
