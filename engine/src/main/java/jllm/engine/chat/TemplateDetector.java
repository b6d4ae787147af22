package jllm.engine.chat;

/**
 * Recognises a built-in format from a Jinja template's text, with the heuristics of llama.cpp's
 * {@code llm_chat_detect_template}, limited to the formats {@link BuiltinFormats} has.
 */
final class TemplateDetector {

    private TemplateDetector() {
    }

    /** The canonical built-in name for {@code template}, or null when none fits. */
    static String detect(String template) {
        if (template.contains("<|im_start|>")) {
            boolean other = template.contains("<|im_sep|>") || template.contains("<end_of_utterance>");
            return other ? null : "chatml"; // phi-4 and SmolVLM use <|im_start|> differently
        }
        if (template.startsWith("mistral") || template.contains("[INST]")) {
            return mistralOrLlama2(template);
        }
        if (template.contains("<|assistant|>") && template.contains("<|end|>")) {
            return "phi-3";
        }
        if (template.contains("<|start_header_id|>") && template.contains("<|end_header_id|>")) {
            return "llama-3";
        }
        if (template.contains("### Instruction:") && template.contains("### Response:")
                && !template.contains("<|EOT|>")) {
            return "alpaca"; // llama.cpp has no alpaca; <|EOT|> marks deepseek-coder there
        }
        return null;
    }

    private static String mistralOrLlama2(String template) {
        if (template.contains("[SYSTEM_PROMPT]")) {
            return "mistral-v7";
        }
        if (template.contains("' [INST] ' + system_message") || template.contains("[AVAILABLE_TOOLS]")) {
            if (template.contains(" [INST]")) {
                return "mistral-v1";
            }
            return template.contains("\"[INST]\"") ? "mistral-v3-tekken" : "mistral-v3";
        }
        if (template.contains("content.strip()")) {
            return "llama-2-sys-strip";
        }
        if (template.contains("bos_token + '[INST]")) {
            return "llama-2-sys-bos";
        }
        return template.contains("<<SYS>>") ? "llama-2-sys" : "llama-2";
    }
}
