package jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import jllm.engine.model.ModelConfig;
import jllm.engine.model.ModelPresets;
import jllm.engine.model.QuantizationPlan;
import jllm.engine.tokenizer.BpeTrainer;
import jllm.engine.tokenizer.ByteVocabulary;
import jllm.engine.tokenizer.Tokenizer;
import jllm.engine.train.StepResult;
import jllm.engine.train.TokenDataset;
import jllm.engine.train.TrainConfig;
import jllm.engine.train.TrainListener;
import jllm.engine.train.Trainer;
import jllm.formats.GgufWriter;
import jllm.formats.MetadataValue;
import jllm.formats.tokenizer.GgufVocabulary;
import jllm.formats.tokenizer.Vocabulary;
import jllm.kernels.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jllm pretrain}: train a model from scratch on a text file. */
@Command(name = "pretrain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pretrain a model from scratch on a text file: progress, validation, samples, a CSV log,",
                "a loss plot, atomic checkpoints (also on Ctrl-C), then GGUF (and HF) export."})
final class PretrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training text (UTF-8).")
    Path data;

    @Option(names = "--preset", paramLabel = "NAME", description = "Model shape: " + "tiny, nanogpt-char, gpt2-124m, llama3.2-1b, ...")
    String preset;

    @Option(names = "--config", paramLabel = "JSON", description = "Model shape as JSON with jllm info --json's keys.")
    String config;

    @Option(names = "--arch", paramLabel = "A", description = "llama or gpt2 (overrides the preset's; default llama for --config).")
    String arch;

    @Option(names = "--tokenizer", defaultValue = "bytes", paramLabel = "T",
            description = "bytes (vocab 256, char-level), train:N (fit a BPE of N tokens to the data), or a tokenizer file (default ${DEFAULT-VALUE}).")
    String tokenizer;

    @Option(names = "--ctx", defaultValue = "64", paramLabel = "T", description = "Context (window) length (default ${DEFAULT-VALUE}).")
    int ctx;

    @Option(names = "--stride", defaultValue = "1", paramLabel = "S", description = "Distance between training windows (default ${DEFAULT-VALUE}).")
    int stride;

    @Option(names = "--batch", defaultValue = "12", paramLabel = "B", description = "Windows per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--accumulation", defaultValue = "1", paramLabel = "N", description = "Micro-batches per step (default ${DEFAULT-VALUE}).")
    int accumulation;

    @Option(names = "--steps", defaultValue = "2000", paramLabel = "N", description = "Optimizer steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--lr", defaultValue = "1e-3", paramLabel = "LR", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--min-lr", defaultValue = "1e-4", paramLabel = "LR", description = "Final learning rate of the cosine decay (default ${DEFAULT-VALUE}).")
    float minLr;

    @Option(names = "--warmup", defaultValue = "100", paramLabel = "N", description = "Warm-up steps (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--weight-decay", defaultValue = "0.1", paramLabel = "W", description = "AdamW weight decay (default ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--grad-clip", defaultValue = "1.0", paramLabel = "C", description = "Gradient-norm clip, 0 = off (default ${DEFAULT-VALUE}).")
    float gradClip;

    @Option(names = "--dropout", defaultValue = "0", paramLabel = "P", description = "Dropout (default ${DEFAULT-VALUE}).")
    float dropout;

    @Option(names = "--eval-every", defaultValue = "250", paramLabel = "K", description = "Validate every K steps (default ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--eval-batches", defaultValue = "20", paramLabel = "N", description = "Validation batches, 0 = whole split (default ${DEFAULT-VALUE}).")
    int evalBatches;

    @Option(names = "--sample-every", defaultValue = "0", paramLabel = "K", description = "Print a short sample every K steps (default: off).")
    int sampleEvery;

    @Option(names = "--checkpoint-every", defaultValue = "500", paramLabel = "K", description = "Checkpoint every K steps (default ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--seed", defaultValue = "1337", paramLabel = "S", description = "The one seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", paramLabel = "N", description = "Threads (default: one per core).")
    int threads;

    @Option(names = "--out", defaultValue = "runs/pretrain", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run whose checkpoint is in DIR.")
    Path resume;

    @Option(names = "--export-type", defaultValue = "f32", paramLabel = "T", description = "Type of the exported GGUF (default ${DEFAULT-VALUE}).")
    String exportType;

    @Option(names = "--export-hf", description = "Also export HF safetensors + config.json to DIR/hf.")
    boolean exportHf;

    @Option(names = "--json", description = "End with one JSON object describing the run.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Path dir = resume != null ? resume : out;
        Files.createDirectories(dir);
        String text = Files.readString(data, StandardCharsets.UTF_8);
        Vocabulary vocab = vocabulary(text, dir);
        Tokenizer tok = Tokenizer.of(vocab);
        TokenDataset dataset = vocab.source().equals("bytes")
                ? TokenDataset.bytes(text.getBytes(StandardCharsets.UTF_8)) : TokenDataset.encode(text, tok);
        GgufVocabulary.writeVocabularyFile(vocab, "tokenizer", dir.resolve("tokenizer.gguf"));

        int nThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        try (Parallel pool = new Parallel(nThreads)) {
            Trainer trainer;
            if (resume != null) {
                trainer = Trainer.resume(dir.resolve(Trainer.CHECKPOINT), dataset, pool);
                err.printf("resuming %s at step %d of %d%n", dir, trainer.stepsDone(), trainer.config().steps());
            } else {
                ModelPresets.Shape shape = shape(vocab.size());
                TrainConfig cfg = new TrainConfig(ctx, batch, steps, lr, minLr, warmup, weightDecay, gradClip,
                        accumulation, dropout, evalEvery, evalBatches, checkpointEvery, seed, dir, stride);
                trainer = Trainer.create(shape.config(), shape.tied(), cfg, dataset, pool);
            }
            long params = trainer.model().parameters().stream().mapToLong(p -> p.values().length).sum();
            err.printf(Locale.ROOT, "model: %s, %,d parameters, vocab %d | data: %,d train / %,d validation tokens%n",
                    trainer.model().config().architecture().name().toLowerCase(Locale.ROOT), params, vocab.size(),
                    dataset.train().length, dataset.validation().length);
            Run run = new Run(trainer, tok, dir, err);
            double val = run.train();
            Path gguf = dir.resolve("model.gguf");
            Map<String, MetadataValue> meta = new LinkedHashMap<>();
            GgufWriter tokMeta = new GgufWriter();
            GgufVocabulary.write(vocab, tokMeta);
            meta.putAll(tokMeta.metadata());
            meta.put("general.name", MetadataValue.ofString("jllm-pretrain " + data.getFileName()));
            jllm.engine.model.ModelExporter.writeGguf(gguf, trainer.model().config(), trainer.model().tensors(),
                    QuantizationPlan.parse(exportType), meta);
            if (exportHf) {
                trainer.exportHuggingFace(dir.resolve("hf"));
            }
            err.printf(Locale.ROOT, "done: %d steps, validation loss %.4f, %.1f s; wrote %s%n", trainer.stepsDone(), val,
                    run.seconds(), gguf);
            if (json) {
                ObjectMapper m = new ObjectMapper();
                ObjectNode o = m.createObjectNode();
                o.put("steps", trainer.stepsDone());
                o.put("train_loss", run.lastTrainLoss);
                o.put("val_loss", val);
                o.put("seconds", run.seconds());
                o.put("tokens_per_second", run.tokensPerSecond());
                o.put("parameters", params);
                o.put("checkpoint", dir.resolve(Trainer.CHECKPOINT).toString());
                o.put("gguf", gguf.toString());
                spec.commandLine().getOut().println(m.writeValueAsString(o));
                spec.commandLine().getOut().flush();
            }
        }
        return 0;
    }

    private Vocabulary vocabulary(String text, Path dir) throws Exception {
        if (resume != null && Files.isRegularFile(dir.resolve("tokenizer.gguf"))) {
            return jllm.formats.tokenizer.Vocabularies.read(dir.resolve("tokenizer.gguf"));
        }
        if (tokenizer.equals("bytes")) {
            return ByteVocabulary.create();
        }
        if (tokenizer.startsWith("train:")) {
            int n = Integer.parseInt(tokenizer.substring(6));
            return BpeTrainer.train(text, BpeTrainer.Options.of(n));
        }
        return Tokenizer.load(Path.of(tokenizer)).vocabulary();
    }

    private ModelPresets.Shape shape(int vocab) {
        if ((preset == null) == (config == null)) {
            throw new IllegalArgumentException("give exactly one of --preset and --config");
        }
        ModelPresets.Shape s = preset != null ? ModelPresets.preset(preset, vocab) : ModelPresets.fromJson(config, arch, vocab);
        ModelConfig c = s.config();
        if (preset != null && arch != null && !arch.equalsIgnoreCase(c.architecture().name())) {
            // Same sizes, other family: e.g. nanoGPT's shape with LLaMA's blocks.
            String json = String.format(Locale.ROOT, "{\"architecture\":\"%s\",\"layers\":%d,\"heads\":%d,"
                    + "\"embedding_length\":%d,\"context_length\":%d,\"vocab_size\":%d,\"tied\":%b}",
                    arch, c.layers(), c.heads(), c.dim(), c.contextLength(), c.vocabSize(), s.tied());
            s = ModelPresets.fromJson(json, arch, vocab);
            c = s.config();
        }
        if (c.vocabSize() != vocab) {
            throw new IllegalArgumentException("the model's vocab_size " + c.vocabSize() + " differs from the tokenizer's " + vocab);
        }
        return new ModelPresets.Shape(c.withContextLength(Math.max(ctx, c.architecture() == ModelConfig.Architecture.GPT2
                ? ctx : c.contextLength())), s.tied());
    }

    /** One training run's progress, logs and Ctrl-C handling. */
    private final class Run implements TrainListener {
        final Trainer trainer;
        final Tokenizer tok;
        final Path dir;
        final PrintWriter err;
        final List<double[]> trainPoints = new ArrayList<>();
        final List<double[]> valPoints = new ArrayList<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final boolean console = System.console() != null;
        BufferedWriter csv;
        long start;
        long tokens;
        double lastTrainLoss = Double.NaN;

        Run(Trainer trainer, Tokenizer tok, Path dir, PrintWriter err) {
            this.trainer = trainer;
            this.tok = tok;
            this.dir = dir;
            this.err = err;
        }

        double train() throws Exception {
            Path log = dir.resolve("log.csv");
            boolean fresh = !Files.exists(log) || resume == null;
            csv = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    fresh ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            if (fresh) {
                csv.write("step,train_loss,val_loss,lr,tokens_per_second\n");
            }
            CountDownLatch finished = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                stop.set(true); // Ctrl-C: finish the step, write a checkpoint, then let the JVM exit
                try {
                    finished.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            start = System.nanoTime();
            try {
                return trainer.train(this);
            } finally {
                csv.close();
                finished.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it waits for finished, which is now counted down
                }
            }
        }

        double seconds() { return (System.nanoTime() - start) / 1e9; }

        double tokensPerSecond() { return tokens / Math.max(1e-9, seconds()); }

        @Override
        public void onStep(StepResult s) {
            tokens += trainer.config().tokensPerStep();
            lastTrainLoss = s.loss();
            trainPoints.add(new double[] {s.step(), s.loss()});
            write(String.format(Locale.ROOT, "%d,%.6f,,%.6g,%.1f%n", s.step(), s.loss(), s.lr(), s.tokensPerSecond()));
            int total = trainer.config().steps();
            boolean show = console || s.step() == 1 || s.step() % Math.max(1, total / 20) == 0;
            if (show) {
                double rate = s.step() / Math.max(1e-9, seconds());
                long eta = (long) ((total - s.step()) / Math.max(1e-9, rate));
                int filled = (int) (20L * s.step() / Math.max(1, total));
                String bar = "=".repeat(filled) + " ".repeat(20 - filled);
                err.printf(Locale.ROOT, "%sstep %d/%d [%s] loss %.4f | %.0f tok/s | lr %.2e | ETA %d:%02d%s",
                        console ? "\r" : "", s.step(), total, bar, s.loss(), tokensPerSecond(), s.lr(), eta / 60, eta % 60,
                        console ? "" : "\n");
                err.flush();
            }
            if (sampleEvery > 0 && s.step() % sampleEvery == 0) {
                int[] prompt = tok.encode("\n", false, false);
                int[] ids = trainer.sample(prompt.length > 0 ? prompt : new int[] {0}, 64, 0.8f, s.step());
                err.printf("%n--- sample at step %d ---%n%s%n---%n", s.step(), tok.decode(ids));
                err.flush();
            }
        }

        @Override
        public void onEval(int step, double loss) {
            valPoints.add(new double[] {step, loss});
            write(String.format(Locale.ROOT, "%d,,%.6f,,%n", step, loss));
            err.printf(Locale.ROOT, "%sstep %d: validation loss %.4f%n", console ? "\n" : "", step, loss);
            err.flush();
            try {
                LossPlot.write(dir.resolve("loss.png"), "pretraining on " + data.getFileName(), trainPoints, valPoints);
            } catch (Exception | Error e) {
                err.println("(could not draw loss.png: " + e + ")");
            }
        }

        @Override
        public void onCheckpoint(int step, Path file) {
            if (console) {
                err.printf("%ncheckpoint at step %d: %s%n", step, file);
            }
        }

        @Override
        public boolean stopRequested() {
            if (stop.get()) {
                err.printf("%ninterrupted: writing a checkpoint at step %d; continue with --resume %s%n",
                        trainer.stepsDone(), dir);
                err.flush();
                return true;
            }
            return false;
        }

        private void write(String line) {
            try {
                csv.write(line);
                csv.flush();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
