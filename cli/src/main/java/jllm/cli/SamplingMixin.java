package jllm.cli;

import java.util.ArrayList;
import java.util.List;
import jllm.engine.GenerateOptions;
import jllm.engine.sampling.SamplingOptions;
import picocli.CommandLine.Option;

/** Sampling and stopping options shared by generate and chat; defaults as llama.cpp's. */
final class SamplingMixin {
    @Option(names = {"-n", "--n-predict"}, defaultValue = "-1", paramLabel = "N",
            description = "Tokens to generate (-1: until end of text or a full context; default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = {"--temperature", "--temp"}, defaultValue = "0.8", paramLabel = "T",
            description = "Sampling temperature; 0 = greedy (default ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", paramLabel = "K", description = "Top-k, 0 = off (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", paramLabel = "P", description = "Top-p, 1 = off (default ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", paramLabel = "P", description = "Min-p, 0 = off (default ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", paramLabel = "X",
            description = "Repetition penalty, 1 = off (default ${DEFAULT-VALUE}).")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", defaultValue = "64", paramLabel = "N",
            description = "Tokens the penalties look back at; -1 = all (default ${DEFAULT-VALUE}).")
    int repeatLastN;

    @Option(names = "--presence-penalty", defaultValue = "0", paramLabel = "X", description = "Presence penalty (default ${DEFAULT-VALUE}).")
    float presencePenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0", paramLabel = "X", description = "Frequency penalty (default ${DEFAULT-VALUE}).")
    float frequencyPenalty;

    @Option(names = {"-s", "--seed"}, paramLabel = "S", description = "Random seed (default: random); the same seed gives the same output.")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when this text appears (repeatable).")
    List<String> stop = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-text tokens.")
    boolean ignoreEos;

    @Option(names = "--context-shift", description = "When the context is full, drop the oldest half instead of stopping.")
    boolean contextShift;

    GenerateOptions options(int topLogprobs) {
        long s = seed != null ? seed : new java.util.SplittableRandom().nextLong();
        SamplingOptions so = new SamplingOptions(temperature, topK, topP, minP, repeatPenalty, repeatLastN,
                presencePenalty, frequencyPenalty, s);
        return new GenerateOptions(maxTokens, so, stop, ignoreEos, topLogprobs, contextShift, true, false);
    }
}
