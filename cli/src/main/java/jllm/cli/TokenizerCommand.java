package jllm.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import jllm.engine.tokenizer.BpeTrainer;
import jllm.engine.tokenizer.Tokenizer;
import jllm.formats.tokenizer.GgufVocabulary;
import jllm.formats.tokenizer.Vocabulary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jllm tokenizer}: tokenizer tools; {@code train} fits a byte-level BPE tokenizer to a corpus. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "Tokenizer tools.",
        subcommands = {TokenizerCommand.Train.class})
final class TokenizerCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code jllm tokenizer train}. */
    @Command(name = "train", mixinStandardHelpOptions = true,
            description = {"Train a byte-level BPE tokenizer (GPT-2 pre-tokenization) on a UTF-8 text file",
                "and write it as a vocabulary-only GGUF file that jllm and llama.cpp load."})
    static final class Train implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--data", required = true, paramLabel = "FILE", description = "The training text (UTF-8).")
        Path data;

        @Option(names = "--vocab-size", required = true, paramLabel = "N", description = "Tokens wanted, special tokens included.")
        int vocabSize;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The GGUF file to write.")
        Path out;

        @Option(names = "--special", paramLabel = "TOKEN", split = ",",
                description = "Special tokens (default: <|endoftext|>); the first is BOS and EOS.")
        List<String> specials = List.of("<|endoftext|>");

        @Option(names = "--min-frequency", paramLabel = "N", description = "Merge only pairs seen at least N times (default: ${DEFAULT-VALUE}).")
        int minFrequency = 2;

        @Override
        public Integer call() throws Exception {
            BpeTrainer.Options options = new BpeTrainer.Options(vocabSize, specials, minFrequency);
            String text = Files.readString(data, StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            Vocabulary v = BpeTrainer.train(text, options);
            double seconds = (System.nanoTime() - t0) / 1e9;
            String name = data.getFileName().toString().replaceFirst("\\.[^.]*$", "") + "-bpe-" + v.size();
            GgufVocabulary.writeVocabularyFile(v, name, out);
            int tokens = Tokenizer.of(v).encode(text, false, false).length;
            long bytes = text.getBytes(StandardCharsets.UTF_8).length;
            PrintWriter w = spec.commandLine().getOut();
            w.printf("trained %d tokens (%d merges) on %d bytes in %.2f s%n", v.size(), v.merges().length, bytes, seconds);
            if (v.size() < vocabSize) {
                w.printf("note: stopped below %d tokens: no pair occurs %d times or more%n", vocabSize, minFrequency);
            }
            w.printf("the data is %d tokens, %.2f bytes per token%n", tokens, tokens == 0 ? 0.0 : (double) bytes / tokens);
            w.printf("wrote %s%n", out);
            w.flush();
            return 0;
        }
    }

}
