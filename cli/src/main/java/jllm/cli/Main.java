package jllm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import jllm.formats.FormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jllm} command: one entry point, one subcommand per job. */
@Command(name = "jllm",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Load, run, serve, train and evaluate LLaMA-family models on the JVM.")
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * The subcommands by name, in the order the usage lists them. Only the one named on the
     * command line is built: picocli's model of every command (reflection over all their options,
     * and the classes they load) took about 0.2 s of every start.
     */
    static final Map<String, Supplier<Object>> COMMANDS = commands();

    private static Map<String, Supplier<Object>> commands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("info", InfoCommand::new);
        m.put("generate", GenerateCommand::new);
        m.put("chat", ChatCommand::new);
        m.put("bench", BenchCommand::new);
        m.put("init", InitCommand::new);
        m.put("quantize", QuantizeCommand::new);
        m.put("pretrain", PretrainCommand::new);
        m.put("tokenize", TokenizeCommand::new);
        m.put("detokenize", DetokenizeCommand::new);
        m.put("tokenizer", TokenizerCommand::new);
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The command line for these arguments: the named subcommand alone, or all of them (help, usage errors). */
    static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new Main());
        Supplier<Object> named = args.length > 0 ? COMMANDS.get(args[0]) : null;
        if (named != null) {
            cl.addSubcommand(args[0], named.get());
        } else {
            COMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
            cl.addSubcommand("help", new CommandLine.HelpCommand());
        }
        return cl;
    }

    /** Runs the command line and returns the exit code (0 ok, 1 bad input, 2 usage error). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine(args);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("jllm: " + describe(e));
            cmd.getErr().flush();
            if (System.getenv("JLLM_DEBUG") != null) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cl.execute(args);
    }

    /** A one-line, user-facing description of a failure. */
    static String describe(Throwable e) {
        return switch (e) {
            case FormatException f -> f.getMessage();
            case NoSuchFileException n -> n.getFile() + ": no such file";
            case java.nio.file.AccessDeniedException a -> a.getFile() + ": permission denied";
            case IOException io -> io.getMessage() == null ? io.toString() : io.getMessage();
            case IllegalArgumentException i -> i.getMessage();
            case IllegalStateException i when i.getMessage() != null -> i.getMessage();
            case UnsupportedOperationException u when u.getMessage() != null -> u.getMessage();
            default -> e.toString();
        };
    }

    /** Commands whose -m model {@link jllm.engine.LanguageModel#open} opens. */
    private static final java.util.Set<String> OPENS_MODEL = java.util.Set.of("generate", "chat");

    /**
     * The model file a generate or chat command line names (-m FILE, -mFILE, -m=FILE, --model
     * FILE, --model=FILE), or null. Read before picocli parses the line, so it only has to be
     * right where it matters: a wrong guess costs a background read and nothing else.
     */
    static java.nio.file.Path namedModel(String... args) {
        if (args.length < 2 || !OPENS_MODEL.contains(args[0])) {
            return null;
        }
        for (int i = 1; i < args.length; i++) {
            String a = args[i], path = null;
            if (a.equals("--")) {
                break;
            } else if ((a.equals("-m") || a.equals("--model")) && i + 1 < args.length) {
                path = args[i + 1];
            } else if (a.startsWith("--model=")) {
                path = a.substring("--model=".length());
            } else if (a.startsWith("-m") && !a.startsWith("--") && a.length() > 2) {
                path = a.substring(a.charAt(2) == '=' ? 3 : 2);
            }
            if (path != null) {
                try {
                    java.nio.file.Path p = java.nio.file.Path.of(path);
                    return java.nio.file.Files.isRegularFile(p) ? p : null;
                } catch (java.nio.file.InvalidPathException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** System.nanoTime() when {@link #main} began, or 0 (commands run in-process, tests). */
    static volatile long mainNanos;

    public static void main(String[] args) {
        mainNanos = System.nanoTime();
        // The model opens on another core while picocli builds and parses the command (~0.15 s
        // of a cold start); LanguageModel.open then takes what is done.
        java.nio.file.Path model = namedModel(args);
        if (model != null) {
            jllm.engine.LanguageModel.prefetch(model);
        }
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = run(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jllm " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
