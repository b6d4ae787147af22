package jllm.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import jllm.engine.model.Transformer;
import jllm.engine.tokenizer.Tokenizer;
import jllm.formats.GgufFile;
import jllm.formats.tokenizer.GgufVocabulary;

/**
 * Models being opened ahead of {@link LanguageModel#open}, on a thread of their own: the file,
 * its weights and warm-up ({@link Transformer#prepare}) and the tokenizer it carries, none of
 * which depend on the open's options. An open of the same path takes the result; one that fails
 * here is left for the open to report.
 */
final class Prefetch {
    private Prefetch() {}

    /** A prepared model and its own tokenizer (null where the file has none). */
    record Result(Transformer.Prepared prepared, Tokenizer tokenizer) {}

    private static final ConcurrentMap<Path, CompletableFuture<Result>> PENDING = new ConcurrentHashMap<>();

    static void start(Path model) {
        Transformer.warmUpOps();
        PENDING.computeIfAbsent(key(model), k -> {
            CompletableFuture<Result> f = new CompletableFuture<>();
            Thread.ofPlatform().daemon().name("jllm-prefetch").start(() -> {
                try {
                    f.complete(load(model));
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
            return f;
        });
    }

    /** The prefetched model at this path (waiting for it), or null when none was started or it failed. */
    static Result take(Path model) {
        CompletableFuture<Result> f = PENDING.remove(key(model));
        if (f == null) {
            return null;
        }
        try {
            return f.join();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Path key(Path model) {
        return model.toAbsolutePath().normalize();
    }

    private static Result load(Path model) throws IOException {
        Transformer.Prepared p = Transformer.prepare(model);
        try {
            Tokenizer tok = p.file() instanceof GgufFile g && GgufVocabulary.present(g.metadata())
                    ? Tokenizer.of(GgufVocabulary.read(g.metadata(), model.toString()))
                    : null;
            return new Result(p, tok);
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }
}
