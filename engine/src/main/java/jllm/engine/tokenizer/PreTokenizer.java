package jllm.engine.tokenizer;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import jllm.formats.FormatException;

/**
 * Splits text (as code points) into the pieces byte-level BPE merges within, the way llama.cpp
 * does for a given {@code tokenizer.ggml.pre}.
 */
interface PreTokenizer {

    /** Splits {@code cps[from, to)}, appending the end offset of each piece, in order, to {@code ends}. */
    void split(int[] cps, int from, int to, IntList ends);

    /** Whether a piece that is itself a token skips the merges (llama.cpp's {@code ignore_merges}). */
    default boolean ignoreMerges() { return false; }

    /**
     * The pre-tokenizer for a {@code tokenizer.ggml.pre} value.
     *
     * @throws FormatException for a name jllm does not implement
     */
    static PreTokenizer forName(String pre, String source) {
        return switch (pre.toLowerCase(Locale.ROOT)) {
            case "default", "" -> new RegexChain(List.of(
                    RegexChain.step(Pattern.compile("[\\p{P}\\$\\+<=>\\^~\\|]+")),
                    new Gpt2PreTokenizer(),
                    RegexChain.step(Pattern.compile("\\p{N}+")),
                    RegexChain.step(Pattern.compile("[0-9][0-9][0-9]"))));
            case "gpt-2", "gpt2", "phi-2", "roberta-bpe", "mpt", "olmo", "jina-es", "jina-de", "jina-v1-en",
                 "jina-v2-es", "jina-v2-de", "jina-v2-code" -> new Gpt2PreTokenizer();
            case "llama3", "llama-v3", "llama-bpe", "falcon3" -> new Llama3PreTokenizer(3, true);
            case "qwen2", "deepseek-r1-qwen", "megrez" -> new Llama3PreTokenizer(1, false);
            default -> throw new FormatException(source, "tokenizer.ggml.pre", -1, "pre-tokenizer '" + pre
                    + "' is not supported (jllm implements default, gpt-2, llama-bpe/llama3 and qwen2)");
        };
    }
}
