package jllm.engine.chat;

import static jllm.engine.chat.LlamaCppCases.CONVERSATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChooseChatTemplateTest {

    @Test
    void detectionPicksTheFormatLlamaCppPicks() {
        // llama.cpp formats each of these templates with the built-in it detects; the outputs
        // it expects are therefore the oracle for detection too.
        List<LlamaCppCases.Case> cases = List.of(LlamaCppCases.OPENHERMES_CHATML,
                LlamaCppCases.MISTRAL_PRE_V1, LlamaCppCases.FUSIONNET_LLAMA2_SYS_BOS,
                LlamaCppCases.VIGOGNE_LLAMA2_STRIP, LlamaCppCases.LLAMA_3, LlamaCppCases.PHI_3_MINI,
                LlamaCppCases.PHI_3_SMALL, LlamaCppCases.PHI_3_VISION, LlamaCppCases.MISTRAL_V1,
                LlamaCppCases.MISTRAL_V3, LlamaCppCases.MISTRAL_V7);
        for (LlamaCppCases.Case c : cases) {
            String name = TemplateDetector.detect(c.template());
            assertThat(name).as(c.name()).isNotNull();
            assertThat(ChatTemplate.builtin(name).render(CONVERSATION, true)).as(c.name()).isEqualTo(c.builtin());
        }
        assertThat(TemplateDetector.detect(LlamaCppCases.GEMMA.template())).isNull();
        assertThat(TemplateDetector.detect("{{ '### Instruction:\\n' }}{{ '### Response:\\n' }}")).isEqualTo("alpaca");
    }

    @Test
    void prefersTheJinjaTemplate() {
        ChatTemplate chosen = ChatTemplate.choose(LlamaCppCases.LLAMA_3.template(), "", "", "chatml");
        assertThat(chosen.name()).isEqualTo("jinja");
        assertThat(chosen.render(CONVERSATION, true)).isEqualTo(LlamaCppCases.LLAMA_3.jinja());
    }

    @Test
    void fallsBackToDetectionWhenTheTemplateDoesNotParse() {
        String broken = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n";
        ChatTemplate chosen = ChatTemplate.choose(broken, "", "", "llama-2");
        assertThat(chosen.name()).isEqualTo("chatml");
        assertThat(chosen.render(CONVERSATION, true)).isEqualTo(LlamaCppCases.OPENHERMES_CHATML.builtin());
    }

    @Test
    void usesTheFallbackWhenThereIsNothingElse() {
        assertThat(ChatTemplate.choose(null, "<s>", "</s>", "llama-3").name()).isEqualTo("llama-3");
        assertThat(ChatTemplate.choose("  ", "<s>", "</s>", "alpaca").name()).isEqualTo("alpaca");
        assertThat(ChatTemplate.choose("{% if %}no markers", "", "", "chatml").name()).isEqualTo("chatml");
        assertThat(ChatTemplate.choose("mistral-v7", "", "", "chatml").name()).isEqualTo("mistral-v7");
        assertThatThrownBy(() -> ChatTemplate.choose(null, "", "", "nope"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
    }
}
