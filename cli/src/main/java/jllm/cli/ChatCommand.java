package jllm.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import jllm.engine.ChatSession;
import jllm.engine.GenerateOptions;
import jllm.engine.Generation;
import jllm.engine.LanguageModel;
import jllm.engine.model.ContextOverflowException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jllm chat}: an interactive conversation that keeps the KV cache between turns. */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Chat with a model. Type a message and press Enter; /reset starts over, /exit quits.",
                "Reads standard input, so it can be driven through a pipe."})
final class ChatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt.")
    String system;

    @Option(names = "--chat-template", defaultValue = "chatml", paramLabel = "NAME",
            description = "Template when the model has none: llama-2, llama-3, chatml, mistral, alpaca (default ${DEFAULT-VALUE}).")
    String template;

    @Mixin
    SamplingMixin sampling;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean interactive = System.console() != null;
        try (LanguageModel m = model.open()) {
            ChatSession chat = m.chat(system, template);
            err.printf("jllm chat: %s, template %s, context %d. /reset starts over, /exit quits.%n",
                    model.model.getFileName(), chat.templateName(), m.contextSize());
            err.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (true) {
                if (interactive) {
                    out.print("> ");
                    out.flush();
                }
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    break;
                }
                if (line.isBlank()) {
                    continue;
                }
                if (line.strip().equals("/reset")) {
                    chat.reset();
                    err.println("(conversation reset)");
                    err.flush();
                    continue;
                }
                GenerateOptions o = sampling.options(0);
                try {
                    Generation g = chat.send(line, o, (id, piece) -> {
                        out.print(piece);
                        out.flush();
                    });
                    out.println();
                    out.flush();
                    err.printf(Locale.ROOT, "[%d prompt tokens at %.1f tokens/s, %d tokens at %.1f tokens/s, %d in context]%n",
                            g.promptTokens().length, g.promptTokensPerSecond(), g.tokens().length, g.tokensPerSecond(),
                            chat.cachedTokens());
                    err.flush();
                } catch (ContextOverflowException e) {
                    out.println();
                    err.println("jllm: " + e.getMessage() + " (/reset to start over)");
                    err.flush();
                }
            }
        }
        return 0;
    }
}
