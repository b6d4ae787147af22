package jllm.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import jllm.engine.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jllm detokenize}: token ids back to text. */
@Command(name = "detokenize", mixinStandardHelpOptions = true,
        description = "Print the text of token ids (separated by spaces or commas; [ ] are ignored).")
final class DetokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL", description = "The tokenizer's file or folder.")
    Path model;

    @Option(names = "--special", description = "Print control tokens (e.g. <s>) as their text.")
    boolean special;

    @Parameters(arity = "1..*", paramLabel = "IDS", description = "Token ids.")
    List<String> ids;

    @Override
    public Integer call() throws Exception {
        int[] parsed = parse(ids);
        Tokenizer t = Tokenizer.load(model);
        PrintWriter out = spec.commandLine().getOut();
        out.println(t.decode(parsed, special));
        out.flush();
        return 0;
    }

    static int[] parse(List<String> args) {
        return args.stream()
                .flatMap(a -> java.util.Arrays.stream(a.replace('[', ' ').replace(']', ' ').split("[\\s,]+")))
                .filter(s -> !s.isEmpty())
                .mapToInt(s -> {
                    try {
                        return Integer.parseInt(s);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("'" + s + "' is not a token id");
                    }
                })
                .toArray();
    }
}
