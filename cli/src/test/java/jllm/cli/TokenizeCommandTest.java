package jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeCommandTest {
    static final String SPM = "fixtures/tokenizers/ggml-vocab-llama-spm.gguf";
    static final String LLAMA3 = "fixtures/tokenizers/llama3-vocab-rebuilt.gguf";

    @TempDir
    Path tmp;

    @Test
    void printsIdsWithAndWithoutBos() {
        String m = SharedFiles.file(SPM).toString();
        CliRunner r = CliRunner.run("tokenize", "-m", m, "--text", "Hello world");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("1 15043 3186");
        assertThat(CliRunner.run("tokenize", "-m", m, "--text", "Hello world", "--no-bos", "--json").out().strip())
                .isEqualTo("[15043,3186]");
    }

    @Test
    void verboseShowsPiecesAndSpecialMatchesControlTokens() throws Exception {
        String m = SharedFiles.file(LLAMA3).toString();
        Path f = tmp.resolve("in.txt");
        Files.writeString(f, "<|eot_id|>Hi");
        CliRunner plain = CliRunner.run("tokenize", "-m", m, "--file", f.toString(), "--no-bos");
        CliRunner special = CliRunner.run("tokenize", "-m", m, "--file", f.toString(), "--no-bos", "--special",
                "--json", "--verbose");
        assertThat(plain.out().strip().split(" ").length).isGreaterThan(2);
        assertThat(special.out().strip()).isEqualTo("[{\"id\":128009,\"piece\":\"<|eot_id|>\"},{\"id\":13347,\"piece\":\"Hi\"}]");
        CliRunner verbose = CliRunner.run("tokenize", "-m", m, "--text", "Hi", "--verbose");
        assertThat(verbose.out()).contains("128000 -> \"<|begin_of_text|>\"").contains("13347 -> \"Hi\"");
    }

    @Test
    void jsonlReadsOneStringPerLine() {
        String m = SharedFiles.file(SPM).toString();
        CliRunner r = withStdin("\"Hello world\"\n\"\"\n\"a\\nb\"\n",
                () -> CliRunner.run("tokenize", "-m", m, "--jsonl", "--no-bos"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).containsExactly("[15043,3186]", "[]", "[263,13,29890]");
        CliRunner bad = withStdin("\"ok\"\n42\n", () -> CliRunner.run("tokenize", "-m", m, "--jsonl"));
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).startsWith("jllm: stdin line 2: expected a JSON string");
    }

    @Test
    void badInputIsAOneLineError() throws Exception {
        Path junk = tmp.resolve("junk.gguf");
        Files.write(junk, new byte[] {'G', 'G', 'U', 'F', 9, 0, 0, 0});
        CliRunner r = CliRunner.run("tokenize", "-m", junk.toString(), "--text", "x");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("jllm: ").contains("junk.gguf");
        CliRunner missing = CliRunner.run("tokenize", "-m", tmp.resolve("nope.gguf").toString(), "--text", "x");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("no such file");
        assertThat(CliRunner.run("tokenize", "-m", "x").exitCode()).isEqualTo(2);  // neither --text nor --file
    }

    static CliRunner withStdin(String input, java.util.function.Supplier<CliRunner> body) {
        InputStream old = System.in;
        System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        try {
            return body.get();
        } finally {
            System.setIn(old);
        }
    }
}
