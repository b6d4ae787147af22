package jllm.engine;

import java.util.ArrayList;
import java.util.List;
import jllm.engine.chat.ChatMessage;
import jllm.engine.chat.ChatTemplate;
import jllm.engine.model.Session;
import jllm.engine.tokenizer.Tokenizer;

/**
 * A conversation that keeps its KV cache across turns. Each turn renders the whole conversation
 * with the chat template, tokenizes it, and runs only the tokens after the longest prefix the
 * cache already holds, so earlier turns are never processed again.
 */
public final class ChatSession {
    private final LanguageModel model;
    private final ChatTemplate template;
    private final String system;
    private final Session session;
    private final List<ChatMessage> messages = new ArrayList<>();
    private final TokenBuffer cached = new TokenBuffer();

    ChatSession(LanguageModel model, ChatTemplate template, String system) {
        this.model = model;
        this.template = template;
        this.system = system;
        this.session = model.newSession();
        reset();
    }

    /** The template in use, e.g. "llama-3" or "jinja". */
    public String templateName() { return template.name(); }

    /** Tokens in the KV cache. */
    public int cachedTokens() { return session.position(); }

    /** Forgets the conversation (the system prompt stays). */
    public void reset() {
        messages.clear();
        if (system != null && !system.isBlank()) {
            messages.add(new ChatMessage("system", system));
        }
        session.reset();
        cached.truncate(0);
    }

    /** Sends a user message and generates the assistant's answer. */
    public Generation send(String userMessage, GenerateOptions o, TokenListener listener) {
        messages.add(new ChatMessage("user", userMessage));
        Tokenizer tok = model.tokenizer();
        int[] all = tok.encode(template.render(messages, true), true, true);
        int bos = tok.specialIds().bos();
        if (all.length > 1 && all[0] == bos && all[1] == bos) { // template wrote BOS itself
            all = java.util.Arrays.copyOfRange(all, 1, all.length);
        }
        int common = 0;
        while (common < all.length && common < cached.length() && common < session.position()
                && all[common] == cached.get(common)) {
            common++;
        }
        if (common == all.length) {
            common--; // at least one token must run to get fresh logits
        }
        session.rewind(common);
        cached.truncate(common);
        int[] fresh = java.util.Arrays.copyOfRange(all, common, all.length);
        Generation g;
        try {
            g = Generator.run(session, tok, cached, fresh, o.withSpecial(true, true), listener);
        } catch (RuntimeException e) {
            messages.removeLast();
            throw e;
        }
        messages.add(new ChatMessage("assistant", g.text()));
        // The cache now holds the prompt and the generated tokens; `cached` mirrors it.
        if (cached.length() != session.position()) {
            cached.truncate(Math.min(cached.length(), session.position()));
        }
        return g;
    }

    /** The conversation so far. */
    public List<ChatMessage> messages() { return List.copyOf(messages); }
}
