package jllm.engine.chat;

import static jllm.engine.chat.LlamaCppCases.CONVERSATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Built-in formats against the outputs of llama.cpp's built-in formatter. */
class BuiltinChatTemplateTest {

    private static String render(String name) {
        return ChatTemplate.builtin(name).render(CONVERSATION, true);
    }

    @Test
    void matchLlamaCppBuiltinOutputs() {
        assertThat(render("chatml")).isEqualTo(LlamaCppCases.OPENHERMES_CHATML.builtin());
        assertThat(render("llama-2")).isEqualTo(LlamaCppCases.MISTRAL_PRE_V1.builtin());
        assertThat(render("llama-2-sys-bos")).isEqualTo(LlamaCppCases.FUSIONNET_LLAMA2_SYS_BOS.builtin());
        assertThat(render("llama-2-sys-strip")).isEqualTo(LlamaCppCases.VIGOGNE_LLAMA2_STRIP.builtin());
        assertThat(render("llama-3")).isEqualTo(LlamaCppCases.LLAMA_3.builtin());
        assertThat(render("mistral")).isEqualTo(LlamaCppCases.MISTRAL_V1.builtin());
        assertThat(render("mistral-v1")).isEqualTo(LlamaCppCases.MISTRAL_V1.builtin());
        assertThat(render("mistral-v3")).isEqualTo(LlamaCppCases.MISTRAL_V3.builtin());
        // llama.cpp's expected output for Mistral-Nemo-Instruct-2407 ('v3-tekken')
        assertThat(render("mistral-v3-tekken")).isEqualTo(
                "[INST]You are a helpful assistant\n\nHello[/INST]Hi there</s>[INST]Who are you[/INST]"
                        + "   I am an assistant   </s>[INST]Another question[/INST]");
        assertThat(render("mistral-v7")).isEqualTo(LlamaCppCases.MISTRAL_V7.builtin());
        assertThat(render("phi-3")).isEqualTo(LlamaCppCases.PHI_3_SMALL.builtin());
    }

    @Test
    void llama2SysPutsTheSystemPromptInASysBlockWithoutBosInHistory() {
        assertThat(render("llama-2-sys")).isEqualTo(
                LlamaCppCases.FUSIONNET_LLAMA2_SYS_BOS.builtin().replace("</s><s>", "</s>"));
    }

    @Test
    void llamaCppSpellingsAreAliases() {
        assertThat(ChatTemplate.builtin("llama3").name()).isEqualTo("llama-3");
        assertThat(ChatTemplate.builtin("llama2").name()).isEqualTo("llama-2");
        assertThat(ChatTemplate.builtin("phi3").name()).isEqualTo("phi-3");
        assertThat(render("llama3")).isEqualTo(render("llama-3"));
    }

    @Test
    void alpacaUsesInstructionAndResponseBlocks() {
        String out = ChatTemplate.builtin("alpaca").render(List.of(ChatMessage.system("Be brief."),
                ChatMessage.user("Say hi"), ChatMessage.assistant("Hi"), ChatMessage.user("Again")), true);
        assertThat(out).isEqualTo("Be brief.\n\n### Instruction:\nSay hi\n\n### Response:\nHi\n\n"
                + "### Instruction:\nAgain\n\n### Response:\n");
        assertThat(ChatTemplate.builtin("alpaca").render(List.of(ChatMessage.user("x")), false))
                .isEqualTo("### Instruction:\nx\n\n");
    }

    @Test
    void generationPromptOnlyWhenAsked() {
        List<ChatMessage> one = List.of(ChatMessage.user("Hi"));
        assertThat(ChatTemplate.builtin("chatml").render(one, false)).isEqualTo("<|im_start|>user\nHi<|im_end|>\n");
        assertThat(ChatTemplate.builtin("llama-3").render(one, false))
                .isEqualTo("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
    }

    @Test
    void unknownNameIsAnError() {
        assertThatThrownBy(() -> ChatTemplate.builtin("vicuna-xl"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown chat template 'vicuna-xl'")
                .hasMessageContaining("chatml");
        assertThat(ChatTemplate.builtinNames()).contains("chatml", "llama-2", "llama-3", "mistral", "alpaca");
    }
}
