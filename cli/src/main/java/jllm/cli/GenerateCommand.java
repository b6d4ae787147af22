package jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jllm.engine.GenerateOptions;
import jllm.engine.Generation;
import jllm.engine.LanguageModel;
import jllm.engine.TokenListener;
import jllm.engine.sampling.TokenLogprob;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jllm generate}: complete a prompt, streaming the text as it comes. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate text from a prompt. Text streams to stdout; speed goes to stderr.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    static final class Prompt {
        @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "The prompt.")
        String text;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read the prompt from a file.")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompt prompt;

    @Mixin
    SamplingMixin sampling;

    @Option(names = "--special", description = "Parse control tokens written in the prompt (e.g. <|eot_id|>).")
    boolean special;

    @Option(names = "--no-bos", description = "Do not add the BOS token.")
    boolean noBos;

    @Option(names = "--json", description = "Print one JSON object at the end instead of streaming text.")
    boolean json;

    @Option(names = "--top-logprobs", defaultValue = "0", paramLabel = "K",
            description = "With --json: the K most likely tokens and their log-probabilities at each step.")
    int topLogprobs;

    @Override
    public Integer call() throws Exception {
        String text = prompt.text != null ? prompt.text : Files.readString(prompt.file);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GenerateOptions o = sampling.options(json ? topLogprobs : 0).withSpecial(!noBos, special);
        try (LanguageModel m = model.open()) {
            // JVM uptime (ms) when the first token came, and when main() began (the JVM was up)
            long[] firstTokenUptime = {-1, -1};
            TokenListener stream = (id, piece) -> {
                if (firstTokenUptime[0] < 0) {
                    long now = System.nanoTime();
                    firstTokenUptime[0] = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
                    long main = Main.mainNanos;
                    firstTokenUptime[1] = main == 0 ? -1 : firstTokenUptime[0] - (now - main) / 1_000_000;
                }
                if (!json) {
                    out.print(piece);
                    out.flush();
                }
            };
            Generation g = m.generate(text, o, stream);
            if (json) {
                ObjectNode j = toJson(g, topLogprobs > 0);
                j.put("first_token_uptime_ms", firstTokenUptime[0]);
                if (firstTokenUptime[1] >= 0) {
                    j.put("main_uptime_ms", firstTokenUptime[1]);
                }
                out.println(j);
            } else {
                out.println();
            }
            out.flush();
            err.printf(Locale.ROOT, "%nprompt: %d tokens, %.1f tokens/s | generation: %d tokens, %.1f tokens/s"
                            + " | time to first token: %.0f ms | stop: %s%n",
                    g.promptTokens().length, g.promptTokensPerSecond(), g.tokens().length, g.tokensPerSecond(),
                    g.promptNanos() / 1e6, g.stopReason().name().toLowerCase(Locale.ROOT));
            err.flush();
        }
        return 0;
    }

    static ObjectNode toJson(Generation g, boolean withLogprobs) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        ArrayNode p = o.putArray("prompt_tokens");
        for (int id : g.promptTokens()) {
            p.add(id);
        }
        ArrayNode t = o.putArray("tokens");
        for (int id : g.tokens()) {
            t.add(id);
        }
        o.put("text", g.text());
        o.put("stop_reason", g.stopReason().name().toLowerCase(Locale.ROOT));
        o.put("prompt_tokens_per_second", g.promptTokensPerSecond());
        o.put("tokens_per_second", g.tokensPerSecond());
        o.put("time_to_first_token_ms", g.promptNanos() / 1e6);
        if (withLogprobs) {
            ArrayNode all = o.putArray("top_logprobs");
            for (List<TokenLogprob> step : g.topLogprobs()) {
                ArrayNode a = all.addArray();
                for (TokenLogprob lp : step) {
                    a.addObject().put("id", lp.id()).put("logprob", lp.logprob());
                }
            }
        }
        return o;
    }
}
