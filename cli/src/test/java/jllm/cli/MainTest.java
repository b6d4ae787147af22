package jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The top-level command: subcommands built on demand, usage, help and usage errors. */
class MainTest {
    @Test
    void everySubcommandIsRegisteredUnderItsOwnName() {
        Main.COMMANDS.forEach((name, command) -> {
            Object c = command.get();
            assertThat(c.getClass().getAnnotation(CommandLine.Command.class).name()).as(c.getClass().getSimpleName()).isEqualTo(name);
        });
        assertThat(Main.COMMANDS).hasSize(10);
    }

    @Test
    void onlyTheNamedSubcommandIsBuilt() {
        assertThat(Main.commandLine("generate", "-p", "x").getSubcommands()).containsOnlyKeys("generate");
        assertThat(Main.commandLine("--help").getSubcommands()).containsKeys("info", "generate", "tokenizer", "help")
                .hasSize(Main.COMMANDS.size() + 1);
    }

    @Test
    void usageListsEveryCommandAndATypoGetsASuggestion() {
        CliRunner help = CliRunner.run("--help");
        assertThat(help.exitCode()).isZero();
        for (String name : Main.COMMANDS.keySet()) {
            assertThat(help.out()).contains(name);
        }
        CliRunner typo = CliRunner.run("generat", "-p", "x");
        assertThat(typo.exitCode()).isEqualTo(2);
        assertThat(typo.err()).contains("generate");
        CliRunner sub = CliRunner.run("help", "bench");
        assertThat(sub.exitCode()).isZero();
        assertThat(sub.out()).contains("jllm bench");
    }

    @Test
    void theModelOfAGenerateOrChatLineIsFoundBeforeParsing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path f = java.nio.file.Files.writeString(dir.resolve("m.gguf"), "x");
        String p = f.toString();
        for (String[] line : new String[][] {{"generate", "-m", p, "-p", "x"}, {"chat", "--model", p}, {"generate", "-p", "x", "--model=" + p},
                {"generate", "-m" + p}, {"generate", "-m=" + p}}) {
            assertThat(Main.namedModel(line)).as(String.join(" ", line)).isEqualTo(f);
        }
        assertThat(Main.namedModel("info", "-m", p)).as("info opens no model").isNull();
        assertThat(Main.namedModel("generate", "-m", dir.resolve("absent.gguf").toString())).isNull();
        assertThat(Main.namedModel("generate", "--", "-m", p)).isNull();
        assertThat(Main.namedModel("generate", "-m")).isNull();
    }
}
