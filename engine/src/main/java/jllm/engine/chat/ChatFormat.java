package jllm.engine.chat;

import java.util.List;

/** Turns a conversation into prompt text; one implementation per kind of template. */
interface ChatFormat {

    String apply(List<ChatMessage> messages, boolean addGenerationPrompt);
}
