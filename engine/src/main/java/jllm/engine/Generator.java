package jllm.engine;

import java.util.ArrayList;
import java.util.List;
import jllm.engine.model.ContextOverflowException;
import jllm.engine.model.Session;
import jllm.engine.sampling.Sampler;
import jllm.engine.sampling.TokenLogprob;
import jllm.engine.sampling.TopLogprobs;
import jllm.engine.tokenizer.StreamingDecoder;
import jllm.engine.tokenizer.Tokenizer;

/**
 * The generation loop: feed the prompt as one batch, then sample, stream and feed one token at a
 * time until a stop condition. Text is released to the listener only when it is complete UTF-8
 * and cannot be the start of a stop string.
 */
final class Generator {
    private Generator() {}

    /**
     * Continues {@code session} with {@code newTokens} (appended to what the session already holds)
     * and generates. {@code history} holds every token in the session so far and receives the new ones.
     */
    static Generation run(Session session, Tokenizer tokenizer, TokenBuffer history, int[] newTokens,
                          GenerateOptions o, TokenListener listener) {
        int ctx = session.contextSize();
        if (newTokens.length == 0) {
            throw new IllegalArgumentException("the prompt is empty (no tokens to start from)");
        }
        if (session.position() + newTokens.length > ctx) {
            throw new ContextOverflowException("the prompt has " + newTokens.length + " tokens"
                    + (session.position() > 0 ? " (after " + session.position() + " already in the context)" : "")
                    + ", more than the context of " + ctx + " tokens; raise --ctx or shorten the prompt");
        }
        if (!o.contextShift() && o.maxTokens() > 0 && session.position() + newTokens.length + o.maxTokens() > ctx + 1) {
            throw new ContextOverflowException("prompt (" + (session.position() + newTokens.length) + " tokens) plus "
                    + o.maxTokens() + " new tokens does not fit the context of " + ctx
                    + " tokens; raise --ctx, lower -n, or pass --context-shift");
        }
        int keep = Math.min(session.position() + newTokens.length,
                history.length() > 0 && history.get(0) == tokenizer.specialIds().bos() ? 1 : 0);
        Sampler sampler = new Sampler(o.sampling(), session.config().vocabSize());
        long t0 = System.nanoTime();
        float[] logits = session.forward(newTokens, 0, newTokens.length);
        history.addAll(newTokens);
        long t1 = System.nanoTime();

        StreamingDecoder decoder = tokenizer.newDecoder(false);
        StopMatcher stops = new StopMatcher(o.stop());
        TokenBuffer out = new TokenBuffer();
        List<List<TokenLogprob>> alternatives = new ArrayList<>();
        StopReason reason = StopReason.MAX_TOKENS;
        while (o.maxTokens() < 0 || out.length() < o.maxTokens()) {
            if (o.topLogprobs() > 0) {
                alternatives.add(TopLogprobs.of(logits, o.topLogprobs()));
            }
            int id = sampler.sample(logits, history);
            if (!o.ignoreEos() && tokenizer.isEndOfGeneration(id)) {
                if (o.topLogprobs() > 0) {
                    alternatives.removeLast();
                }
                reason = StopReason.END_OF_TEXT;
                break;
            }
            out.add(id);
            history.add(id);
            String released = stops.append(decoder.accept(id));
            listener.onToken(id, released);
            if (stops.stopped()) {
                reason = StopReason.STOP_STRING;
                break;
            }
            if (o.maxTokens() >= 0 && out.length() >= o.maxTokens()) {
                break;
            }
            if (session.position() >= ctx) {
                if (!o.contextShift()) {
                    reason = StopReason.CONTEXT_FULL;
                    break;
                }
                int discard = Math.max(1, (session.position() - keep) / 2);
                session.shift(keep, discard);
                shiftHistory(history, keep, discard);
            }
            logits = session.forward(id);
        }
        if (!stops.stopped()) {
            String tail = stops.append(decoder.finish()) + stops.flush();
            if (!tail.isEmpty()) {
                listener.onToken(-1, tail);
            }
        }
        long t2 = System.nanoTime();
        return new Generation(newTokens.clone(), out.toArray(), stops.text(), reason, t1 - t0, t2 - t1,
                List.copyOf(alternatives));
    }

    private static void shiftHistory(TokenBuffer history, int keep, int discard) {
        int[] all = history.toArray();
        history.truncate(keep);
        for (int i = keep + discard; i < all.length; i++) {
            history.add(all[i]);
        }
    }

    /** Finds stop strings in the growing text and holds back what might still become one. */
    static final class StopMatcher {
        private final List<String> stops;
        private final StringBuilder text = new StringBuilder();
        private int released;
        private boolean stopped;

        StopMatcher(List<String> stops) {
            this.stops = stops;
        }

        /** Adds new text; returns what can be shown now. */
        String append(String piece) {
            if (stopped) {
                return "";
            }
            text.append(piece);
            int cut = -1;
            for (String s : stops) {
                int from = Math.max(0, released - s.length() + 1);
                int at = text.indexOf(s, from);
                if (at >= 0 && (cut < 0 || at < cut)) {
                    cut = at;
                }
            }
            if (cut >= 0) {
                stopped = true;
                text.setLength(cut);
                return release(Math.max(released, cut));
            }
            int safe = text.length() - longestPendingPrefix();
            return release(Math.max(released, safe));
        }

        /** Everything held back (at the end of generation). */
        String flush() {
            return release(text.length());
        }

        private String release(int upTo) {
            String r = text.substring(released, upTo);
            released = upTo;
            return r;
        }

        /** Length of the longest tail of the text that is a proper prefix of some stop string. */
        private int longestPendingPrefix() {
            int best = 0;
            for (String s : stops) {
                for (int n = Math.min(s.length() - 1, text.length() - released); n > best; n--) {
                    if (endsWithPrefix(s, n)) {
                        best = n;
                        break;
                    }
                }
            }
            return best;
        }

        private boolean endsWithPrefix(String s, int n) {
            int start = text.length() - n;
            for (int i = 0; i < n; i++) {
                if (text.charAt(start + i) != s.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        boolean stopped() { return stopped; }

        String text() { return text.toString(); }
    }
}
