package jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DetokenizeCommandTest {

    @Test
    void idsBecomeTextAgain() {
        String m = SharedFiles.file(TokenizeCommandTest.SPM).toString();
        CliRunner r = CliRunner.run("detokenize", "-m", m, "1", "15043", "3186");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("Hello world" + System.lineSeparator());
        assertThat(CliRunner.run("detokenize", "-m", m, "[1,", "15043]", "--special").out().strip())
                .isEqualTo("<s> Hello");
    }

    @Test
    void badIdsAreOneLineErrors() {
        String m = SharedFiles.file(TokenizeCommandTest.SPM).toString();
        CliRunner r = CliRunner.run("detokenize", "-m", m, "1", "99999");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("jllm: token id 99999 is outside the vocabulary of 32000 tokens");
        assertThat(CliRunner.run("detokenize", "-m", m, "x1").err()).startsWith("jllm: 'x1' is not a token id");
    }
}
