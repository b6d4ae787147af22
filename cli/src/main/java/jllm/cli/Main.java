package jllm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import jllm.formats.FormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jllm} command: one entry point, one subcommand per job. */
@Command(name = "jllm",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Load, run, serve, train and evaluate LLaMA-family models on the JVM.",
        subcommands = {
            InfoCommand.class, GenerateCommand.class, ChatCommand.class, BenchCommand.class, InitCommand.class,
            QuantizeCommand.class, PretrainCommand.class,
            TokenizeCommand.class, DetokenizeCommand.class, TokenizerCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and returns the exit code (0 ok, 1 bad input, 2 usage error). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
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

    public static void main(String[] args) {
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
