package jllm.engine.chat;

import static jllm.engine.chat.LlamaCppCases.CONVERSATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Real models' Jinja templates against the outputs llama.cpp's tests expect. */
class JinjaChatTemplateTest {

    static Stream<LlamaCppCases.Case> cases() {
        return LlamaCppCases.JINJA.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersLikeLlamaCppExpects(LlamaCppCases.Case c) {
        ChatTemplate template = ChatTemplate.jinja(c.template(), c.bos(), c.eos());
        assertThat(template.render(CONVERSATION, true)).as(c.name()).isEqualTo(c.jinja());
        assertThat(template.name()).isEqualTo("jinja");
    }

    /** Qwen2-7B-Instruct's tokenizer.chat_template: ChatML with a default system prompt. */
    private static final String QWEN2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
            + "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
            + "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    @Test
    void qwen2IsChatMlWithADefaultSystemPrompt() {
        ChatTemplate qwen = ChatTemplate.jinja(QWEN2, null, "<|im_end|>");
        assertThat(qwen.render(CONVERSATION, true)).isEqualTo(LlamaCppCases.OPENHERMES_CHATML.jinja());
        List<ChatMessage> noSystem = CONVERSATION.subList(1, CONVERSATION.size());
        assertThat(qwen.render(noSystem, true)).isEqualTo(
                ChatTemplate.builtin("chatml").render(CONVERSATION.stream()
                        .map(m -> m.role().equals("system") ? ChatMessage.system("You are a helpful assistant.") : m)
                        .toList(), true));
    }

    @Test
    void phi3MiniDropsTheSystemTurnAsInHuggingFace() {
        // Phi-3-mini's template only emits user and assistant turns; without a system message it
        // must agree with llama.cpp's phi3 format.
        List<ChatMessage> noSystem = CONVERSATION.subList(1, CONVERSATION.size());
        String expected = ChatTemplate.builtin("phi-3").render(noSystem, true);
        ChatTemplate phi3 = ChatTemplate.jinja(LlamaCppCases.PHI_3_MINI.template(), "", "");
        assertThat(phi3.render(noSystem, true)).isEqualTo(expected);
        assertThat(phi3.render(CONVERSATION, true)).isEqualTo(expected);
    }

    @Test
    void generationPromptFlagReachesTheTemplate() {
        ChatTemplate chatml = ChatTemplate.jinja(LlamaCppCases.OPENHERMES_CHATML.template(), "", "");
        String withPrompt = chatml.render(CONVERSATION, true);
        assertThat(chatml.render(CONVERSATION, false))
                .isEqualTo(withPrompt.substring(0, withPrompt.length() - "<|im_start|>assistant\n".length()));
    }

    @Test
    void raiseExceptionBecomesIllegalArgument() {
        assertThatThrownBy(() -> ChatTemplate.jinja(LlamaCppCases.GEMMA.template(), "", "")
                .render(CONVERSATION, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("System role not supported");
        assertThatThrownBy(() -> ChatTemplate.jinja(LlamaCppCases.MISTRAL_PRE_V1.template(), "", "</s>")
                .render(CONVERSATION, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Conversation roles must alternate");
        assertThat(ChatTemplate.jinja(LlamaCppCases.MISTRAL_PRE_V1.template(), "<s>", "</s>")
                .render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Yo"), ChatMessage.user("Bye")), true))
                .isEqualTo("<s>[INST] Hi [/INST]Yo</s>[INST] Bye [/INST]");
    }

    @Test
    void syntaxErrorsAreIllegalArguments() {
        // block structure is checked when the template is created
        assertThatThrownBy(() -> ChatTemplate.jinja("{% for m in messages %}{{ m.content }}", "", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("syntax error")
                .hasMessageContaining("Missing end tag: endfor");
        // expressions are checked when rendered
        ChatTemplate badExpression = ChatTemplate.jinja("{% if %}x{% endif %}{{ 'a' + }}", "", "");
        assertThatThrownBy(() -> badExpression.render(List.of(ChatMessage.user("x")), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("failed to render")
                .hasMessageContaining("expects expression");
    }

    @Test
    void messageTextIsNeverInterpretedOrEscaped() {
        List<ChatMessage> tricky = List.of(ChatMessage.user("{{ 7 * 7 }} {% if true %}x{% endif %} <b>&amp;\\n"));
        assertThat(ChatTemplate.jinja(LlamaCppCases.OPENHERMES_CHATML.template(), "", "").render(tricky, false))
                .isEqualTo("<|im_start|>user\n{{ 7 * 7 }} {% if true %}x{% endif %} <b>&amp;\\n<|im_end|>\n");
    }

    @Test
    void notBindsLooserThanIsTests() {
        // Jinja parses `not x is defined` as `not (x is defined)`
        assertThat(render("{% if not add_generation_prompt is defined %}undefined{% else %}defined{% endif %}"
                + "{% if not missing is defined %}|missing{% endif %}"
                + "{% if not messages[0].content is string %}|nonstring{% endif %}"
                + "{% if not messages[0]['role'] is not none %}|none{% endif %}", List.of(ChatMessage.user("x"))))
                .isEqualTo("defined|missing");
    }

    @Test
    void supportsTheHuggingFaceExtras() {
        List<ChatMessage> one = List.of(ChatMessage.user("  Hello World  "));
        assertThat(render("{{ messages[0].content.strip().upper() }}|{{ 'they are'.title() }}", one))
                .isEqualTo("HELLO WORLD|They Are");
        assertThat(render("{{ messages[0].content.split() | join(',') }}|{{ 'a.b.c'.split('.') | length }}", one))
                .isEqualTo("Hello,World|3");
        assertThat(render("{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}|{{ '-'.join(['a', 'b']) }}", one))
                .isEqualToIgnoringCase("truetrue|a-b");
        assertThat(render("{{ messages | tojson }}", one))
                .isEqualTo("[{\"role\": \"user\", \"content\": \"  Hello World  \"}]");
        assertThat(render("{{ {'a': [1, 2]} | tojson(indent=2) }}", one))
                .isEqualTo("{\n  \"a\": [\n    1,\n    2\n  ]\n}");
        assertThat(render("{{ strftime_now('%Y') | length }}", one)).isEqualTo("4");
        assertThat(render("{% for m in messages %}\n  {{ loop.index }}\n{% endfor %}\n", one))
                .as("trim_blocks/lstrip_blocks and no trailing newline").isEqualTo("  1\n");
    }

    private static String render(String template, List<ChatMessage> messages) {
        return ChatTemplate.jinja(template, "<s>", "</s>").render(messages, false);
    }
}
