package jllm.engine.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import jllm.engine.model.ModelConfig;
import jllm.engine.model.ModelConfig.Mlp;
import jllm.engine.model.ModelInit;
import jllm.engine.model.NamedTensor;
import jllm.kernels.Parallel;

/**
 * The decoder of {@link ModelConfig} (LLaMA-style or GPT-2-style) in float32 with a backward pass:
 * parameters under llama.cpp names (so {@link ModelInit} initializes it and
 * {@code ModelExporter} exports {@link #tensors()}), gradients, dropout, frozen subsets and
 * attached {@link Extension}s. Activations for {@code maxBatch x maxT} tokens are allocated once;
 * a forward and backward allocate nothing. Not thread-safe; it uses the given pool inside.
 *
 * <pre>{@code
 * TrainableModel m = TrainableModel.initialize(config, seed, true, batch, ctx, pool);
 * m.zeroGrad();
 * double loss = m.forward(tokens, targets, batch, ctx, step);  // dropout drawn from (seed, step)
 * m.backward(1f);                                              // gradients in m.parameters()
 * }</pre>
 */
public final class TrainableModel {
    private final ModelConfig c;
    private final int maxBatch, maxT;
    private final boolean tied, gpt2Positions, swiglu;
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final List<Extension> extensions = new ArrayList<>();
    private final Parameter wte, wpe, outNorm, outNormBias, output;
    private final LayerParams[] layers;
    private final Buffers buf;
    private final Linear linear;
    private final Norm norm;
    private final Attention attention;
    private final Activation activation;
    private final CrossEntropy crossEntropy;
    private final Rope rope;
    private DropoutRates dropout = DropoutRates.NONE;
    private long dropoutSeed;
    private int lastBatch, lastT;
    private boolean lastHadTargets, lastTrain;
    private long lastPass;

    /** The parameters of one block (absent ones null). */
    private record LayerParams(Parameter attnNorm, Parameter attnNormB, Parameter wq, Parameter bq, Parameter wk,
                               Parameter bk, Parameter wv, Parameter bv, Parameter wo, Parameter bo, Parameter ffnNorm,
                               Parameter ffnNormB, Parameter gate, Parameter up, Parameter upB, Parameter down,
                               Parameter downB) {
        boolean trainable() {
            for (Parameter p : new Parameter[] {attnNorm, attnNormB, wq, bq, wk, bk, wv, bv, wo, bo, ffnNorm, ffnNormB,
                    gate, up, upB, down, downB}) {
                if (p != null && !p.frozen()) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Wraps the given weights (the arrays are trained in place).
     *
     * @param weights  every tensor of the configuration under its llama.cpp name; without
     *                 {@code output.weight} the token embedding is tied to the output
     * @param maxBatch the most sequences per forward
     * @param maxT     the longest sequence per forward
     */
    public TrainableModel(ModelConfig config, Map<String, NamedTensor> weights, int maxBatch, int maxT, Parallel pool) {
        this.c = config;
        if (maxBatch < 1 || maxT < 1) {
            throw new IllegalArgumentException("batch and context must be positive");
        }
        if (config.norm() == ModelConfig.Norm.LAYER && !config.allBiases()) {
            throw new IllegalArgumentException("LayerNorm models need allBiases (GPT-2 style)");
        }
        this.maxBatch = maxBatch;
        this.maxT = maxT;
        weights.values().forEach(t -> params.put(t.name(), Parameter.of(t)));
        this.tied = !params.containsKey("output.weight");
        this.swiglu = config.mlp() == Mlp.SWIGLU;
        wte = require("token_embd.weight");
        wpe = params.get("position_embd.weight");
        gpt2Positions = wpe != null;
        if (gpt2Positions && maxT > wpe.shape()[1]) {
            throw new IllegalArgumentException("context " + maxT + " exceeds the " + wpe.shape()[1] + " learned positions");
        }
        outNorm = require("output_norm.weight");
        outNormBias = params.get("output_norm.bias");
        output = tied ? wte : params.get("output.weight");
        layers = new LayerParams[config.layers()];
        for (int l = 0; l < layers.length; l++) {
            String p = "blk." + l + ".";
            layers[l] = new LayerParams(require(p + "attn_norm.weight"), params.get(p + "attn_norm.bias"),
                    require(p + "attn_q.weight"), params.get(p + "attn_q.bias"), require(p + "attn_k.weight"),
                    params.get(p + "attn_k.bias"), require(p + "attn_v.weight"), params.get(p + "attn_v.bias"),
                    require(p + "attn_output.weight"), params.get(p + "attn_output.bias"),
                    require(p + "ffn_norm.weight"), params.get(p + "ffn_norm.bias"),
                    swiglu ? require(p + "ffn_gate.weight") : null, require(p + "ffn_up.weight"),
                    params.get(p + "ffn_up.bias"), require(p + "ffn_down.weight"), params.get(p + "ffn_down.bias"));
        }
        buf = new Buffers(config, maxBatch, maxT, swiglu);
        linear = new Linear(pool);
        norm = new Norm(pool, config.norm() == ModelConfig.Norm.RMS, config.dim(), config.normEps());
        attention = new Attention(pool, config.heads(), config.kvHeads(), config.headDim(), maxT);
        activation = new Activation(pool);
        crossEntropy = new CrossEntropy(pool);
        if (config.rope() != ModelConfig.Rope.NONE) {
            float[] inv = config.ropeInverseFrequencies();
            for (int i = 0; i < inv.length; i++) {
                inv[i] *= config.ropeScale();
            }
            rope = new Rope(config.rope(), config.ropeDims(), config.headDim(), inv, maxT);
        } else {
            rope = null;
        }
    }

    /** A model with {@link ModelInit#random} weights (GPT-2's initialization). */
    public static TrainableModel initialize(ModelConfig config, long seed, boolean tied, int maxBatch, int maxT,
                                            Parallel pool) {
        return new TrainableModel(config, ModelInit.random(config, seed, tied, false), maxBatch, maxT, pool);
    }

    private Parameter require(String name) {
        Parameter p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("missing tensor " + name);
        }
        return p;
    }

    public ModelConfig config() { return c; }

    public boolean tied() { return tied; }

    public int maxBatch() { return maxBatch; }

    public int maxT() { return maxT; }

    /** The model's parameters, then those of attached extensions. */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(params.values());
        extensions.forEach(e -> all.addAll(e.parameters()));
        return all;
    }

    /** A model parameter by llama.cpp name, or null. */
    public Parameter parameter(String name) { return params.get(name); }

    /** Model weights for export ({@code ModelExporter.writeGguf/writeHuggingFace}); they share the live arrays. */
    public List<NamedTensor> tensors() {
        return params.values().stream().map(Parameter::tensor).toList();
    }

    /** Number of model (not extension) parameter values. */
    public long parameterCount() {
        return params.values().stream().mapToLong(Parameter::size).sum();
    }

    /** Freezes every model parameter whose name matches, unfreezes the others. */
    public void freeze(Predicate<String> names) {
        params.values().forEach(p -> p.setFrozen(names.test(p.name())));
    }

    /** Attaches extra trainable modules; they take part in every later forward and backward. */
    public void attach(Extension e) {
        extensions.add(e);
    }

    public List<Extension> extensions() { return Collections.unmodifiableList(extensions); }

    /** Dropout used by {@link #forward(int[], int[], int, int, long)}; masks are drawn from (seed, pass, site). */
    public void setDropout(DropoutRates rates, long seed) {
        this.dropout = rates;
        this.dropoutSeed = seed;
    }

    public DropoutRates dropout() { return dropout; }

    /** Sets every gradient to zero. */
    public void zeroGrad() {
        for (Parameter p : parameters()) {
            Arrays.fill(p.grad(), 0f);
        }
    }

    /**
     * Training forward: runs {@code batch x t} tokens (row {@code b*t+p}) with dropout and returns the
     * mean cross-entropy against targets (-1 ignored). {@code pass} picks the dropout masks.
     */
    public double forward(int[] tokens, int[] targets, int batch, int t, long pass) {
        return run(tokens, targets, batch, t, true, pass);
    }

    /** Evaluation forward (no dropout); returns the mean loss. */
    public double evaluate(int[] tokens, int[] targets, int batch, int t) {
        return run(tokens, targets, batch, t, false, 0);
    }

    /**
     * The logits after the last of {@code count} tokens (one sequence, no dropout), as the
     * inference engine computes them (a new array).
     */
    public float[] logits(int[] tokens, int count) {
        run(tokens, null, 1, count, false, 0);
        return Arrays.copyOfRange(buf.logits, (count - 1) * c.vocabSize(), count * c.vocabSize());
    }

    private double run(int[] tokens, int[] targets, int batch, int t, boolean train, long pass) {
        if (batch < 1 || batch > maxBatch || t < 1 || t > maxT) {
            throw new IllegalArgumentException("batch " + batch + " x " + t + " exceeds " + maxBatch + " x " + maxT);
        }
        int n = batch * t, d = c.dim(), qd = c.qDim(), kvd = c.kvDim(), f = c.ffnDim(), vocab = c.vocabSize();
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new IllegalArgumentException("token id " + tokens[i] + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
        }
        System.arraycopy(tokens, 0, buf.tokens, 0, n);
        if (targets != null) {
            System.arraycopy(targets, 0, buf.targets, 0, n);
        }
        DropoutRates dr = train ? dropout : DropoutRates.NONE;
        Embedding.forward(buf.resid[0], buf.tokens, wte.values(), gpt2Positions ? wpe.values() : null, batch, t, d);
        Dropout.apply(buf.resid[0], buf.resid[0], n * d, key(pass, 0), dr.embedding());
        for (int l = 0; l < layers.length; l++) {
            LayerParams L = layers[l];
            float[] x = buf.resid[l];
            norm.forward(buf.ln1[l], buf.mean1[l], buf.rstd1[l], x, L.attnNorm.values(), values(L.attnNormB), n);
            linear(buf.q[l], buf.ln1[l], L.wq, L.bq, n, d, qd);
            linear(buf.k[l], buf.ln1[l], L.wk, L.bk, n, d, kvd);
            linear(buf.v[l], buf.ln1[l], L.wv, L.bv, n, d, kvd);
            if (rope != null) {
                rope.forward(buf.q[l], batch, t, c.heads());
                rope.forward(buf.k[l], batch, t, c.kvHeads());
            }
            attention.forward(buf.attOut[l], buf.probs[l], buf.q[l], buf.k[l], buf.v[l], batch, t, dr.attention(),
                    key(pass, 1 + 3 * l));
            linear(buf.proj, buf.attOut[l], L.wo, L.bo, n, qd, d);
            Dropout.apply(buf.proj, buf.proj, n * d, key(pass, 2 + 3 * l), dr.residual());
            Residual.forward(buf.resid2[l], x, buf.proj, n * d);
            norm.forward(buf.ln2[l], buf.mean2[l], buf.rstd2[l], buf.resid2[l], L.ffnNorm.values(), values(L.ffnNormB), n);
            float[] hidden;
            if (swiglu) {
                linear(buf.fc[l], buf.ln2[l], L.gate, null, n, d, f);
                linear(buf.fcAct[l], buf.ln2[l], L.up, null, n, d, f);
                activation.swiglu(buf.hidden[l], buf.fc[l], buf.fcAct[l], n * f);
                hidden = buf.hidden[l];
            } else {
                linear(buf.fc[l], buf.ln2[l], L.up, L.upB, n, d, f);
                activation.gelu(buf.fcAct[l], buf.fc[l], n * f);
                hidden = buf.fcAct[l];
            }
            linear(buf.proj, hidden, L.down, L.downB, n, f, d);
            Dropout.apply(buf.proj, buf.proj, n * d, key(pass, 3 + 3 * l), dr.residual());
            Residual.forward(buf.resid[l + 1], buf.resid2[l], buf.proj, n * d);
        }
        norm.forward(buf.lnf, buf.meanF, buf.rstdF, buf.resid[layers.length], outNorm.values(), values(outNormBias), n);
        linear(buf.logits, buf.lnf, output, null, n, d, vocab, tied ? "output.weight" : output.name());
        lastBatch = batch;
        lastT = t;
        lastTrain = train;
        lastPass = pass;
        lastHadTargets = targets != null;
        return targets == null ? Double.NaN : crossEntropy.forward(buf.logits, buf.losses, buf.targets, n, vocab);
    }

    /**
     * Backward of the last {@link #forward}: accumulates {@code lossScale * d(mean loss)} into the
     * gradients of unfrozen parameters (call {@link #zeroGrad} first, or keep accumulating).
     */
    public void backward(float lossScale) {
        if (!lastHadTargets) {
            throw new IllegalStateException("backward needs a forward with targets");
        }
        int batch = lastBatch, t = lastT, n = batch * t;
        int d = c.dim(), qd = c.qDim(), kvd = c.kvDim(), f = c.ffnDim(), vocab = c.vocabSize();
        DropoutRates dr = lastTrain ? dropout : DropoutRates.NONE;
        long pass = lastPass;
        lastHadTargets = false; // the logits buffer now holds gradients
        crossEntropy.backward(buf.logits, buf.targets, n, vocab, lossScale);
        zero(buf.dLn, n * d);
        linearBack(buf.dLn, buf.logits, buf.lnf, output, null, n, d, vocab, tied ? "output.weight" : output.name());
        zero(buf.dResid, n * d);
        norm.backward(buf.dResid, outNorm.gradOrNull(), grad(outNormBias), buf.dLn, buf.resid[layers.length],
                outNorm.values(), buf.meanF, buf.rstdF, n);
        int stop = lowestLayerNeedingGrad();
        for (int l = layers.length - 1; l >= stop; l--) {
            LayerParams L = layers[l];
            Dropout.apply(buf.dTmp, buf.dResid, n * d, key(pass, 3 + 3 * l), dr.residual());
            zero(buf.dH1, n * f);
            zero(buf.dH2, n * f);
            zero(buf.dLn, n * d);
            if (swiglu) {
                linearBack(buf.dH1, buf.dTmp, buf.hidden[l], L.down, L.downB, n, f, d, L.down.name());
                zero(buf.dH3, n * f);
                activation.swigluBackward(buf.dH2, buf.dH3, buf.dH1, buf.fc[l], buf.fcAct[l], n * f);
                linearBack(buf.dLn, buf.dH2, buf.ln2[l], L.gate, null, n, d, f, L.gate.name());
                linearBack(buf.dLn, buf.dH3, buf.ln2[l], L.up, null, n, d, f, L.up.name());
            } else {
                linearBack(buf.dH1, buf.dTmp, buf.fcAct[l], L.down, L.downB, n, f, d, L.down.name());
                activation.geluBackward(buf.dH2, buf.dH1, buf.fc[l], n * f);
                linearBack(buf.dLn, buf.dH2, buf.ln2[l], L.up, L.upB, n, d, f, L.up.name());
            }
            norm.backward(buf.dResid, L.ffnNorm.gradOrNull(), grad(L.ffnNormB), buf.dLn, buf.resid2[l],
                    L.ffnNorm.values(), buf.mean2[l], buf.rstd2[l], n);
            Dropout.apply(buf.dTmp, buf.dResid, n * d, key(pass, 2 + 3 * l), dr.residual());
            zero(buf.dAtt, n * qd);
            linearBack(buf.dAtt, buf.dTmp, buf.attOut[l], L.wo, L.bo, n, qd, d, L.wo.name());
            zero(buf.dq, n * qd);
            zero(buf.dk, n * kvd);
            zero(buf.dv, n * kvd);
            attention.backward(buf.dq, buf.dk, buf.dv, buf.dAtt, buf.probs[l], buf.q[l], buf.k[l], buf.v[l], batch, t,
                    dr.attention(), key(pass, 1 + 3 * l));
            if (rope != null) {
                rope.backward(buf.dq, batch, t, c.heads());
                rope.backward(buf.dk, batch, t, c.kvHeads());
            }
            zero(buf.dLn, n * d);
            linearBack(buf.dLn, buf.dq, buf.ln1[l], L.wq, L.bq, n, d, qd, L.wq.name());
            linearBack(buf.dLn, buf.dk, buf.ln1[l], L.wk, L.bk, n, d, kvd, L.wk.name());
            linearBack(buf.dLn, buf.dv, buf.ln1[l], L.wv, L.bv, n, d, kvd, L.wv.name());
            norm.backward(buf.dResid, L.attnNorm.gradOrNull(), grad(L.attnNormB), buf.dLn, buf.resid[l],
                    L.attnNorm.values(), buf.mean1[l], buf.rstd1[l], n);
        }
        if (stop == 0 && (!wte.frozen() || (wpe != null && !wpe.frozen()))) {
            Dropout.apply(buf.dTmp, buf.dResid, n * d, key(pass, 0), dr.embedding());
            Embedding.backward(wte.gradOrNull(), wpe != null ? wpe.gradOrNull() : null, buf.dTmp, buf.tokens, batch, t, d);
        }
    }

    /** Blocks below the lowest one with a trainable parameter need no backward (when embeddings are frozen too). */
    private int lowestLayerNeedingGrad() {
        if (!extensions.isEmpty() || !wte.frozen() || (wpe != null && !wpe.frozen())) {
            return 0;
        }
        for (int l = 0; l < layers.length; l++) {
            if (layers[l].trainable()) {
                return l;
            }
        }
        return layers.length;
    }

    private void linear(float[] y, float[] x, Parameter w, Parameter b, int rows, int in, int out) {
        linear(y, x, w, b, rows, in, out, w.name());
    }

    private void linear(float[] y, float[] x, Parameter w, Parameter b, int rows, int in, int out, String name) {
        linear.forward(y, x, w.values(), buf.transposed, values(b), rows, in, out);
        for (int i = 0; i < extensions.size(); i++) {
            extensions.get(i).forward(name, x, y, rows, in, out);
        }
    }

    private void linearBack(float[] dx, float[] dy, float[] x, Parameter w, Parameter b, int rows, int in, int out,
                            String name) {
        linear.backward(dx, w.gradOrNull(), grad(b), dy, x, w.values(), rows, in, out);
        for (int i = 0; i < extensions.size(); i++) {
            extensions.get(i).backward(name, x, dy, dx, rows, in, out);
        }
    }

    private long key(long pass, int site) {
        return Dropout.key(dropoutSeed, pass, site);
    }

    private static float[] values(Parameter p) {
        return p == null ? null : p.values();
    }

    private static float[] grad(Parameter p) {
        return p == null ? null : p.gradOrNull();
    }

    private static void zero(float[] a, int n) {
        Arrays.fill(a, 0, n, 0f);
    }
}
