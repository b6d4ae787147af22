package jllm.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jllm.engine.chat.ChatTemplate;
import jllm.engine.model.ModelConfig;
import jllm.engine.model.Session;
import jllm.engine.model.Transformer;
import jllm.engine.tokenizer.Tokenizer;
import jllm.formats.FormatException;
import jllm.formats.GgufFile;
import jllm.formats.ModelFile;
import jllm.formats.tokenizer.GgufVocabulary;
import jllm.kernels.Parallel;

/**
 * A model with its tokenizer, ready to generate: the entry point of jllm as a library.
 *
 * <pre>{@code
 * try (LanguageModel m = LanguageModel.open(Path.of("model.gguf"))) {
 *     Generation g = m.generate("Once upon a time", GenerateOptions.greedy(32),
 *             (id, text) -> System.out.print(text));
 * }
 * }</pre>
 */
public final class LanguageModel implements AutoCloseable {
    /** Default cap on the context when none is asked for: llama.cpp's default too. */
    public static final int DEFAULT_CONTEXT = 4096;

    /**
     * How to open a model.
     *
     * @param tokenizer   a tokenizer file (GGUF, tokenizer.json, llama2.c tokenizer.bin); null = the model's own
     * @param threads     worker threads; 0 = one per core
     * @param contextSize KV cache length; 0 = the model's, capped at {@link #DEFAULT_CONTEXT} and by memory
     * @param batchSize   most prompt tokens per forward pass
     * @param f16Cache    keep the KV cache in float16 (half the memory) instead of float32
     * @param backend     matrix-product backend: "auto", "vector" or "blas"
     */
    public record Options(Path tokenizer, int threads, int contextSize, int batchSize, boolean f16Cache,
                          String backend) {
        public Options {
            if (threads < 0 || contextSize < 0 || batchSize < 1) {
                throw new IllegalArgumentException("threads and context must be >= 0 and batch >= 1");
            }
        }

        public static Options defaults() { return new Options(null, 0, 0, 128, false, "auto"); }

        public Options withTokenizer(Path p) { return new Options(p, threads, contextSize, batchSize, f16Cache, backend); }

        public Options withThreads(int n) { return new Options(tokenizer, n, contextSize, batchSize, f16Cache, backend); }

        public Options withContextSize(int n) { return new Options(tokenizer, threads, n, batchSize, f16Cache, backend); }

        public Options withBatchSize(int n) { return new Options(tokenizer, threads, contextSize, n, f16Cache, backend); }

        public Options withF16Cache(boolean b) { return new Options(tokenizer, threads, contextSize, batchSize, b, backend); }

        public Options withBackend(String b) { return new Options(tokenizer, threads, contextSize, batchSize, f16Cache, b); }
    }

    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final Parallel pool;
    private final int contextSize;
    private final int batchSize;
    private final boolean f16Cache;
    private final String chatTemplate;

    private LanguageModel(Transformer transformer, Tokenizer tokenizer, Parallel pool, int contextSize, int batchSize,
                          boolean f16Cache, String chatTemplate) {
        this.transformer = transformer;
        this.tokenizer = tokenizer;
        this.pool = pool;
        this.contextSize = contextSize;
        this.batchSize = batchSize;
        this.f16Cache = f16Cache;
        this.chatTemplate = chatTemplate;
    }

    public static LanguageModel open(Path model) throws IOException {
        return open(model, Options.defaults());
    }

    /**
     * Starts opening this model on a background thread: the file, its weights and its own
     * tokenizer, which need none of {@link #open}'s options. A later {@link #open} of the same path
     * in this process takes them instead of starting over. For a command line that names its model
     * before its options are parsed (picocli's first parse takes ~0.15 s of a cold start); a
     * prefetch nobody opens keeps its file mapped until the process ends. Errors are reported by
     * the open.
     */
    public static void prefetch(Path model) {
        Prefetch.start(model);
    }

    public static LanguageModel open(Path model, Options o) throws IOException {
        int threads = o.threads() > 0 ? o.threads() : Runtime.getRuntime().availableProcessors();
        jllm.kernels.MatMul.Backend backend = jllm.kernels.MatMul.Backend.parse(o.backend());
        Prefetch.Result pre = Prefetch.take(model);
        Parallel pool = new Parallel(threads);
        Transformer.Prepared prepared = pre != null ? pre.prepared() : null;
        Transformer t = null;
        try {
            if (prepared == null) {
                prepared = Transformer.prepare(model);
            }
            t = Transformer.open(prepared, pool, backend);
            // A GGUF's own tokenizer comes from the metadata already parsed (a 128k vocabulary is
            // ~400k strings; reading them twice cost a few hundred ms at startup).
            Tokenizer tok = o.tokenizer() != null ? Tokenizer.load(o.tokenizer())
                    : pre != null && pre.tokenizer() != null ? pre.tokenizer()
                    : t.file() instanceof GgufFile g && GgufVocabulary.present(g.metadata())
                    ? Tokenizer.of(GgufVocabulary.read(g.metadata(), model.toString()))
                    : Tokenizer.load(tokenizerPath(model, t.file(), null));
            if (tok.size() > t.config().vocabSize()) {
                throw new FormatException(model, "tokenizer", -1, "has " + tok.size() + " tokens but the model only "
                        + t.config().vocabSize() + "; they do not belong together");
            }
            String template = t.file() instanceof GgufFile g
                    ? g.metadata().findString("tokenizer.chat_template").orElse(null) : null;
            int ctx = contextSize(t.config(), o.contextSize(), o.f16Cache() ? 2 : 4);
            return new LanguageModel(t, tok, pool, ctx, o.batchSize(), o.f16Cache(), template);
        } catch (IOException | RuntimeException e) {
            if (t != null) {
                t.close();
            } else if (prepared != null) {
                prepared.close();
            }
            pool.close();
            throw e;
        }
    }

    private static Path tokenizerPath(Path model, ModelFile file, Path explicit) {
        if (explicit != null) {
            return explicit;
        }
        return switch (file.format()) {
            case GGUF -> model;
            case SAFETENSORS -> Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
            case LLAMA2C -> {
                Path beside = model.toAbsolutePath().getParent().resolve("tokenizer.bin");
                if (!Files.isRegularFile(beside)) {
                    throw new FormatException(model, "tokenizer", -1,
                            "llama2.c checkpoints carry no tokenizer and there is no tokenizer.bin beside it; pass --tokenizer FILE");
                }
                yield beside;
            }
        };
    }

    /** The requested context, or the model's capped at 4096 and at a quarter of the heap for the KV cache. */
    static int contextSize(ModelConfig c, int requested, int bytesPerValue) {
        long perToken = 2L * c.layers() * c.kvDim() * bytesPerValue;
        if (requested > 0) {
            if (requested * perToken > Runtime.getRuntime().maxMemory() * 3 / 4) {
                throw new IllegalArgumentException("--ctx " + requested + " needs a " + (requested * perToken >> 20)
                        + " MiB KV cache, more than this JVM's heap allows");
            }
            return requested;
        }
        long byMemory = Runtime.getRuntime().maxMemory() / 4 / perToken;
        return (int) Math.max(16, Math.min(Math.min(c.contextLength(), DEFAULT_CONTEXT), byMemory));
    }

    public ModelConfig config() { return transformer.config(); }

    public Tokenizer tokenizer() { return tokenizer; }

    public Transformer transformer() { return transformer; }

    /** The context length sessions get. */
    public int contextSize() { return contextSize; }

    /** The GGUF's own chat template, or null. */
    public String chatTemplateSource() { return chatTemplate; }

    /** A fresh KV-cache session. */
    public Session newSession() {
        return transformer.newSession(contextSize, batchSize, f16Cache);
    }

    /** Tokenizes and generates from a fresh context. */
    public Generation generate(String prompt, GenerateOptions o, TokenListener listener) {
        int[] ids = tokenizer.encode(prompt, o.addSpecial(), o.parseSpecial());
        return generate(ids, o, listener);
    }

    /** Generates from prompt token ids, in a fresh context. */
    public Generation generate(int[] promptTokens, GenerateOptions o, TokenListener listener) {
        return Generator.run(newSession(), tokenizer, new TokenBuffer(), promptTokens, o, listener);
    }

    /** An interactive chat that keeps its KV cache between turns. */
    public ChatSession chat(String systemPrompt, String fallbackTemplate) {
        String bos = tokenizer.specialIds().bos() >= 0 ? tokenizer.tokenText(tokenizer.specialIds().bos()) : "";
        String eos = tokenizer.specialIds().eos() >= 0 ? tokenizer.tokenText(tokenizer.specialIds().eos()) : "";
        ChatTemplate template = ChatTemplate.choose(chatTemplate, bos, eos, fallbackTemplate);
        return new ChatSession(this, template, systemPrompt);
    }

    @Override
    public void close() {
        transformer.close();
        pool.close();
    }
}
