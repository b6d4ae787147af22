package jllm.engine.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import jllm.engine.model.ModelConfig;
import jllm.engine.model.ModelExporter;
import jllm.engine.model.NamedTensor;
import jllm.formats.GgmlType;
import jllm.formats.MetadataValue;
import jllm.kernels.Parallel;

/**
 * A training run: model, AdamW, data order and schedule, stepped, evaluated, sampled, saved and
 * resumed. One seed ({@link TrainConfig#seed}) fixes initial weights, batch order and dropout,
 * and the checkpoint holds the rest, so 10 steps + resume + 10 steps equal 20 steps bit for bit.
 *
 * <pre>{@code
 * TokenDataset data = TokenDataset.bytes(Files.readAllBytes(path));
 * Trainer t = Trainer.create(config, true, TrainConfig.nanoGptCpu(out), data, pool);
 * t.train(new TrainListener() { public void onStep(StepResult s) { ... } });
 * double val = t.evaluate();
 * }</pre>
 */
public final class Trainer {
    /** The checkpoint file name inside {@link TrainConfig#outDir}. */
    public static final String CHECKPOINT = "checkpoint.bin";

    private final TrainableModel model;
    private final TrainConfig cfg;
    private final AdamW optimizer;
    private final WindowSampler sampler;
    private final int[] validation;
    private final LrSchedule schedule;
    private final int[] inputs, targets;
    private int step;

    private Trainer(TrainableModel model, TrainConfig cfg, TokenDataset data) {
        if (data.vocabSize() > model.config().vocabSize()) {
            throw new IllegalArgumentException("the data's vocabulary (" + data.vocabSize() + ") exceeds the model's ("
                    + model.config().vocabSize() + ")");
        }
        if (model.maxBatch() < cfg.batch() || model.maxT() < cfg.ctx()) {
            throw new IllegalArgumentException("the model holds " + model.maxBatch() + " x " + model.maxT()
                    + " tokens, the run needs " + cfg.batch() + " x " + cfg.ctx());
        }
        this.model = model;
        this.cfg = cfg;
        model.setDropout(DropoutRates.all(cfg.dropout()), cfg.seed());
        this.optimizer = AdamW.of(model.parameters(), cfg.weightDecay());
        this.sampler = new WindowSampler(data.train(), cfg.ctx(), cfg.stride(), true, cfg.seed());
        this.validation = data.validation();
        this.schedule = cfg.schedule();
        this.inputs = new int[cfg.batch() * cfg.ctx()];
        this.targets = new int[cfg.batch() * cfg.ctx()];
    }

    /** A fresh run of a randomly initialized model ({@link jllm.engine.model.ModelInit}, seeded by the run's seed). */
    public static Trainer create(ModelConfig config, boolean tiedEmbeddings, TrainConfig cfg, TokenDataset data,
                                 Parallel pool) {
        return new Trainer(TrainableModel.initialize(config, cfg.seed(), tiedEmbeddings, cfg.batch(), cfg.ctx(), pool),
                cfg, data);
    }

    /** A fresh run on an existing model (fine-tuning: freeze parameters or attach extensions first). */
    public static Trainer create(TrainableModel model, TrainConfig cfg, TokenDataset data) {
        return new Trainer(model, cfg, data);
    }

    /** Continues the run saved in {@code checkpoint}, with its saved configuration. */
    public static Trainer resume(Path checkpoint, TokenDataset data, Parallel pool) throws IOException {
        return resume(Checkpoint.read(checkpoint), null, data, pool);
    }

    /**
     * Continues a saved run with a changed configuration (e.g. more steps or another output
     * folder; changing the shapes or the data order breaks exactness).
     */
    public static Trainer resume(Path checkpoint, TrainConfig cfg, TokenDataset data, Parallel pool) throws IOException {
        return resume(Checkpoint.read(checkpoint), cfg, data, pool);
    }

    private static Trainer resume(Checkpoint ck, TrainConfig override, TokenDataset data, Parallel pool) {
        TrainConfig cfg = override != null ? override : ck.train();
        Map<String, NamedTensor> weights = new java.util.LinkedHashMap<>();
        for (Checkpoint.Entry e : ck.entries()) {
            if (!e.extension()) {
                weights.put(e.name(), new NamedTensor(e.name(), e.shape(), e.values().clone()));
            }
        }
        TrainableModel model = new TrainableModel(ck.model(), weights, cfg.batch(), cfg.ctx(), pool);
        Trainer t = new Trainer(model, cfg, data);
        t.restore(ck);
        return t;
    }

    /**
     * Restores optimizer state, step, data position and parameter values (including those of
     * extensions attached to this trainer's model) from a checkpoint.
     */
    public void restore(Checkpoint ck) {
        Map<String, Checkpoint.Entry> byName = new HashMap<>();
        ck.entries().forEach(e -> byName.put(e.name(), e));
        List<Parameter> ps = optimizer.params();
        for (int i = 0; i < ps.size(); i++) {
            Parameter p = ps.get(i);
            Checkpoint.Entry e = byName.get(p.name());
            if (e == null || e.values().length != p.size()) {
                throw new IllegalArgumentException("the checkpoint has no matching state for " + p.name());
            }
            System.arraycopy(e.values(), 0, p.values(), 0, p.size());
            System.arraycopy(e.m(), 0, optimizer.firstMoment(i), 0, p.size());
            System.arraycopy(e.v(), 0, optimizer.secondMoment(i), 0, p.size());
            p.setFrozen(e.frozen());
        }
        optimizer.restore(ck.optimizerSteps());
        sampler.seek(ck.dataPosition());
        step = ck.step();
    }

    /** The state of the run now. */
    public Checkpoint checkpoint() {
        List<Parameter> ps = optimizer.params();
        java.util.Set<String> own = new java.util.HashSet<>();
        model.tensors().forEach(t -> own.add(t.name()));
        List<Checkpoint.Entry> entries = new ArrayList<>(ps.size());
        for (int i = 0; i < ps.size(); i++) {
            Parameter p = ps.get(i);
            entries.add(new Checkpoint.Entry(p.name(), p.shape(), p.frozen(), !own.contains(p.name()), p.values(),
                    optimizer.firstMoment(i), optimizer.secondMoment(i)));
        }
        return new Checkpoint(model.config(), cfg, step, sampler.position(), optimizer.steps(), entries);
    }

    /** Writes {@code outDir/checkpoint.bin} atomically and returns its path. */
    public Path save() throws IOException {
        if (cfg.outDir() == null) {
            throw new IllegalStateException("no output folder configured");
        }
        Path file = cfg.outDir().resolve(CHECKPOINT);
        checkpoint().write(file);
        return file;
    }

    /** One optimizer step over {@code accumulation} micro-batches. */
    public StepResult step() {
        long t0 = System.nanoTime();
        float lr = schedule.at(step);
        model.zeroGrad();
        double loss = 0;
        int acc = cfg.accumulation();
        for (int micro = 0; micro < acc; micro++) {
            sampler.next(inputs, targets, cfg.batch());
            loss += model.forward(inputs, targets, cfg.batch(), cfg.ctx(), (long) step * acc + micro);
            model.backward(1f / acc);
        }
        double norm = optimizer.clip(cfg.gradClip());
        optimizer.step(lr);
        step++;
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new StepResult(step, loss / acc, cfg.tokensPerStep() / seconds, lr, norm);
    }

    /**
     * Steps until {@link TrainConfig#steps}, validating every {@code evalEvery} steps and at the end,
     * checkpointing every {@code checkpointEvery} steps and at the end (when an output folder is set).
     *
     * @return the last validation loss
     */
    public double train(TrainListener listener) throws IOException {
        double val = Double.NaN;
        boolean stopped = false;
        while (step < cfg.steps() && !stopped) {
            listener.onStep(step());
            if (cfg.evalEvery() > 0 && step % cfg.evalEvery() == 0 && step < cfg.steps()) {
                val = evaluate();
                listener.onEval(step, val);
            }
            stopped = listener.stopRequested();
            if (cfg.outDir() != null && cfg.checkpointEvery() > 0 && step % cfg.checkpointEvery() == 0
                    && step < cfg.steps() && !stopped) {
                listener.onCheckpoint(step, save());
            }
        }
        if (!stopped) {
            val = evaluate();
            listener.onEval(step, val);
        }
        if (cfg.outDir() != null) {
            listener.onCheckpoint(step, save());
        }
        return val;
    }

    /**
     * Mean validation loss (no dropout) over {@code evalBatches} batches of windows spread evenly
     * over the validation split, or over all its non-overlapping windows when that is 0.
     */
    public double evaluate() {
        return evaluate(cfg.evalBatches());
    }

    /** {@link #evaluate()} with another number of batches (0: the whole validation split). */
    public double evaluate(int maxBatches) {
        int ctx = cfg.ctx(), batch = cfg.batch();
        if (validation.length < ctx + 1) {
            return Double.NaN;
        }
        int stride = ctx;
        if (maxBatches > 0) {
            stride = Math.max(1, Math.max(ctx, (validation.length - ctx - 1) / (maxBatches * batch)));
        }
        WindowSampler val = new WindowSampler(validation, ctx, stride, false, 0);
        int batches = (val.windows() + batch - 1) / batch;
        if (maxBatches > 0) {
            batches = Math.min(batches, maxBatches);
        }
        double sum = 0;
        long count = 0;
        for (int b = 0; b < batches; b++) {
            int rows = (int) Math.min(batch, val.windows() - val.position());
            val.next(inputs, targets, rows);
            sum += model.evaluate(inputs, targets, rows, ctx) * rows;
            count += rows;
        }
        return sum / count;
    }

    /**
     * Generates {@code n} tokens after the prompt with the trainable model (no KV cache; the context
     * slides over the last {@code ctx} tokens): greedy when {@code temperature <= 0}, else sampled
     * from softmax(logits / temperature) with a generator seeded by {@code seed}.
     */
    public int[] sample(int[] prompt, int n, float temperature, long seed) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt needs at least one token");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int[] all = java.util.Arrays.copyOf(prompt, prompt.length + n);
        int len = prompt.length, ctx = model.maxT();
        for (int i = 0; i < n; i++) {
            int from = Math.max(0, len - ctx);
            int[] window = java.util.Arrays.copyOfRange(all, from, len);
            float[] logits = model.logits(window, window.length);
            all[len++] = pick(logits, temperature, rng);
        }
        return java.util.Arrays.copyOfRange(all, prompt.length, len);
    }

    static int pick(float[] logits, float temperature, SplittableRandom rng) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        if (temperature <= 0) {
            return best;
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[i] - logits[best]) / temperature);
            sum += p[i];
        }
        double r = rng.nextDouble() * sum;
        for (int i = 0; i < p.length; i++) {
            r -= p[i];
            if (r < 0) {
                return i;
            }
        }
        return p.length - 1;
    }

    /** Writes the model as GGUF (F32) with extra metadata such as the tokenizer's keys. */
    public void exportGguf(Path file, Map<String, MetadataValue> extra) throws IOException {
        ModelExporter.writeGguf(file, model.config(), model.tensors(), GgmlType.F32, extra);
    }

    /** Writes the model as a Hugging Face folder (model.safetensors + config.json). */
    public void exportHuggingFace(Path dir) throws IOException {
        ModelExporter.writeHuggingFace(dir, model.config(), model.tensors());
    }

    public TrainableModel model() { return model; }

    public TrainConfig config() { return cfg; }

    public AdamW optimizer() { return optimizer; }

    /** Optimizer steps done. */
    public int stepsDone() { return step; }
}
