package jllm.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's library example compiles against the engine and runs on a fixture model. */
class ReadmeExampleTest {
    @TempDir
    Path tmp;

    @Test
    void readmeJavaExampleCompilesAndRuns() throws Exception {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        Matcher m = Pattern.compile("```java\\n(import java.nio.file.Path;.*?)```", Pattern.DOTALL).matcher(text);
        assertThat(m.find()).as("README has the library example").isTrue();
        String source = m.group(1);
        assertThat(source.lines().filter(l -> !l.isBlank()).count()).isLessThanOrEqualTo(20);
        Path src = tmp.resolve("Example.java");
        Files.writeString(src, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String cp = System.getProperty("java.class.path");
        int rc = javac.run(null, null, null, "-d", tmp.toString(), "-cp", cp, src.toString());
        assertThat(rc).as("javac exit code").isZero();

        Path model = GenerationTest.shared("fixtures/stories260K/stories260K-f32.gguf");
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {tmp.toUri().toURL()},
                getClass().getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            loader.loadClass("Example").getMethod("main", String[].class)
                    .invoke(null, (Object) new String[] {model.toString()});
        } finally {
            System.setOut(saved);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("\\n32 tokens at [0-9.]+ tokens/s");
        assertThat(List.of(cp.split(File.pathSeparator))).isNotEmpty();
    }
}
