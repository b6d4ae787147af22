package jllm.engine.chat;

import java.util.Objects;

/**
 * One turn of a conversation.
 *
 * @param role    who speaks: {@code system}, {@code user} or {@code assistant} (templates may
 *                know others, such as {@code tool})
 * @param content what was said
 */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
