package jllm.engine.chat;

import java.util.List;
import java.util.Map;

/**
 * The built-in chat formats, written to give byte-for-byte the output of llama.cpp's
 * {@code llm_chat_apply_template} for the same names (BOS/EOS are literal, as there).
 */
final class BuiltinFormats {

    private static final List<String> NAMES = List.of("chatml", "llama-2", "llama-2-sys",
            "llama-2-sys-bos", "llama-2-sys-strip", "llama-3", "mistral", "mistral-v1",
            "mistral-v3", "mistral-v3-tekken", "mistral-v7", "mistral-v7-tekken", "phi-3", "alpaca");

    private static final Map<String, String> ALIASES = Map.of("llama2", "llama-2",
            "llama2-sys", "llama-2-sys", "llama2-sys-bos", "llama-2-sys-bos",
            "llama2-sys-strip", "llama-2-sys-strip", "llama3", "llama-3", "phi3", "phi-3");

    private BuiltinFormats() {
    }

    static List<String> names() {
        return NAMES;
    }

    /** The canonical name for {@code name} or an alias of it; null when unknown. */
    static String canonicalName(String name) {
        if (NAMES.contains(name)) {
            return name;
        }
        return ALIASES.get(name);
    }

    static ChatFormat format(String canonical) {
        return switch (canonical) {
            case "chatml" -> BuiltinFormats::chatml;
            case "llama-2" -> (m, g) -> llama2(m, false, false, false);
            case "llama-2-sys" -> (m, g) -> llama2(m, true, false, false);
            case "llama-2-sys-bos" -> (m, g) -> llama2(m, true, true, false);
            case "llama-2-sys-strip" -> (m, g) -> llama2(m, true, false, true);
            case "llama-3" -> BuiltinFormats::llama3;
            case "mistral", "mistral-v1" -> (m, g) -> mistral(m, " ", " ", false);
            case "mistral-v3" -> (m, g) -> mistral(m, "", " ", true);
            case "mistral-v3-tekken" -> (m, g) -> mistral(m, "", "", false);
            case "mistral-v7" -> (m, g) -> mistralV7(m, " ");
            case "mistral-v7-tekken" -> (m, g) -> mistralV7(m, "");
            case "phi-3" -> BuiltinFormats::phi3;
            case "alpaca" -> BuiltinFormats::alpaca;
            default -> throw new IllegalArgumentException("unknown chat template '" + canonical + "'");
        };
    }

    private static String chatml(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        for (ChatMessage m : messages) {
            out.append("<|im_start|>").append(m.role()).append('\n').append(m.content())
                    .append("<|im_end|>\n");
        }
        if (addGenerationPrompt) {
            out.append("<|im_start|>assistant\n");
        }
        return out.toString();
    }

    /** llama.cpp's llama2 family; the prompt always ends open, so there is no generation flag. */
    private static String llama2(List<ChatMessage> messages, boolean systemBlock,
            boolean bosInHistory, boolean strip) {
        StringBuilder out = new StringBuilder("[INST] ");
        boolean insideTurn = true;
        for (ChatMessage m : messages) {
            String content = strip ? trim(m.content()) : m.content();
            if (!insideTurn) {
                insideTurn = true;
                out.append(bosInHistory ? "<s>[INST] " : "[INST] ");
            }
            switch (m.role()) {
                case "system" -> {
                    if (systemBlock) {
                        out.append("<<SYS>>\n").append(content).append("\n<</SYS>>\n\n");
                    } else {
                        out.append(content).append('\n');
                    }
                }
                case "user" -> out.append(content).append(" [/INST]");
                default -> {
                    out.append(content).append("</s>");
                    insideTurn = false;
                }
            }
        }
        return out.toString();
    }

    private static String llama3(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        for (ChatMessage m : messages) {
            out.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n")
                    .append(trim(m.content())).append("<|eot_id|>");
        }
        if (addGenerationPrompt) {
            out.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }
        return out.toString();
    }

    private static String mistral(List<ChatMessage> messages, String leading, String trailing,
            boolean trimAssistant) {
        StringBuilder out = new StringBuilder();
        boolean insideTurn = false;
        for (ChatMessage m : messages) {
            if (!insideTurn) {
                out.append(leading).append("[INST]").append(trailing);
                insideTurn = true;
            }
            switch (m.role()) {
                case "system" -> out.append(m.content()).append("\n\n");
                case "user" -> out.append(m.content()).append(leading).append("[/INST]");
                default -> {
                    out.append(trailing).append(trimAssistant ? trim(m.content()) : m.content())
                            .append("</s>");
                    insideTurn = false;
                }
            }
        }
        return out.toString();
    }

    private static String mistralV7(List<ChatMessage> messages, String space) {
        StringBuilder out = new StringBuilder();
        for (ChatMessage m : messages) {
            switch (m.role()) {
                case "system" -> out.append("[SYSTEM_PROMPT]").append(space).append(m.content())
                        .append("[/SYSTEM_PROMPT]");
                case "user" -> out.append("[INST]").append(space).append(m.content()).append("[/INST]");
                default -> out.append(space).append(m.content()).append("</s>");
            }
        }
        return out.toString();
    }

    private static String phi3(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        for (ChatMessage m : messages) {
            out.append("<|").append(m.role()).append("|>\n").append(m.content()).append("<|end|>\n");
        }
        if (addGenerationPrompt) {
            out.append("<|assistant|>\n");
        }
        return out.toString();
    }

    /** Stanford Alpaca: the system text as a preamble, then Instruction/Response blocks. */
    private static String alpaca(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        for (ChatMessage m : messages) {
            switch (m.role()) {
                case "system" -> out.append(m.content()).append("\n\n");
                case "user" -> out.append("### Instruction:\n").append(m.content()).append("\n\n");
                default -> out.append("### Response:\n").append(m.content()).append("\n\n");
            }
        }
        if (addGenerationPrompt) {
            out.append("### Response:\n");
        }
        return out.toString();
    }

    /** C {@code isspace} trim, as llama.cpp's {@code trim}. */
    private static String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }
}
