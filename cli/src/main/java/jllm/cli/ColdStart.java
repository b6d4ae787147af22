package jllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Time to first token from a cold start, measured the only way it can be: in fresh JVMs. Each
 * run starts this JVM's own java with its own options and class path (the launcher's compile
 * commands and class-data archive included) on {@code jllm generate -n 1 --json} with a short
 * prompt, and reads when the first token came: the JVM's uptime then, and the time from the
 * request (the model just opened), and the JVM's uptime when {@code main} began (the JVM was up).
 * A first run is not counted: it fills the page cache and, after a build, the launcher's archive.
 */
final class ColdStart {
    private ColdStart() {}

    /** Seven tokens with a LLaMA 3 vocabulary's BOS, as in the README's figures. */
    static final String PROMPT = "Once upon a time there was";

    /** One fresh JVM's figures, in ms. */
    record Run(long firstTokenUptime, long mainUptime, double timeToFirstToken, long wall) {
        /** From main() to the first token: the JVM's own start-up left out. */
        long firstTokenAfterMain() {
            return firstTokenUptime - mainUptime;
        }
    }

    static List<Run> measure(Path model, int threads, String backend, int runs) throws IOException, InterruptedException {
        List<String> command = command(model, threads, backend);
        run(command);   // not counted
        List<Run> out = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            out.add(run(command));
        }
        return out;
    }

    static List<String> command(Path model, int threads, String backend) {
        List<String> c = new ArrayList<>();
        c.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        c.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        c.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "generate",
                "-m", model.toString(), "-p", PROMPT, "-n", "1", "--temp", "0", "--backend", backend, "--json"));
        if (threads > 0) {
            c.addAll(List.of("-t", Integer.toString(threads)));
        }
        return c;
    }

    private static Run run(List<String> command) throws IOException, InterruptedException {
        Path errors = java.nio.file.Files.createTempFile("jllm-cold-start", ".err");
        try {
            long start = System.nanoTime();
            // stderr to a file, read only on failure: then stdout is the one pipe to drain.
            Process p = new ProcessBuilder(command).redirectError(errors.toFile()).start();
            p.getOutputStream().close();
            String stdout;
            try (var o = p.getInputStream()) {
                stdout = new String(o.readAllBytes(), StandardCharsets.UTF_8);
            }
            int code = p.waitFor();
            long wall = (System.nanoTime() - start) / 1_000_000;
            if (code != 0) {
                // Without the JVM's own start-up lines, as the launcher drops them.
                String e = java.nio.file.Files.readAllLines(errors).stream()
                        .filter(l -> !l.matches("\\d+ compiler directives added|WARNING: Using incubator modules: .*"))
                        .collect(java.util.stream.Collectors.joining("\n")).strip();
                throw new IllegalStateException("the cold-start run failed (exit " + code + "): "
                        + e.substring(Math.max(0, e.length() - 500)));
            }
            JsonNode j = new ObjectMapper().readTree(stdout);
            return new Run(j.get("first_token_uptime_ms").asLong(), j.get("main_uptime_ms").asLong(),
                    j.get("time_to_first_token_ms").asDouble(), wall);
        } finally {
            java.nio.file.Files.deleteIfExists(errors);
        }
    }

    /** Median, min and max of the values. */
    static double[] summary(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        return new double[] {median, s[0], s[n - 1]};
    }
}
