package jllm.engine.model;

import jllm.engine.model.ModelConfig.Mlp;
import jllm.engine.model.ModelConfig.Norm;
import jllm.engine.model.ModelConfig.Rope;
import jllm.formats.TensorData;
import jllm.formats.quant.QuantCodecs;
import jllm.kernels.MatMul;
import jllm.kernels.Matrix;
import jllm.kernels.Ops;
import jllm.kernels.Parallel;

/**
 * One conversation's state: the KV cache and the activation buffers, allocated as they are first
 * needed, so that a forward pass of a size run before allocates nothing. Tokens go through in batches: every projection is a
 * matrix-matrix product over the batch, then attention runs per (token, head) in parallel.
 */
public final class Session {
    private final Transformer model;
    private final ModelConfig c;
    private final ModelWeights w;
    private final MatMul mm;
    private final Parallel pool;
    private final int contextSize;
    private final int maxBatch;
    private final float[] invFreq;
    private final float attnScale;

    private final KvCache cache;
    private int position;

    /**
     * Activations, {@link #rows} rows each: sized for the largest batch run so far (at most
     * maxBatch), so that a short first prompt does not wait for buffers of 512 rows to be zeroed
     * (54 MB for a 1B model, 25-45 ms of a cold start).
     */
    private float[] x, xb, q, k, v, att, proj, hGate, hUp, qkv;
    private int rows;
    private final float[] last;
    private final float[] logits;
    private final ThreadLocal<float[]> scores;
    private final ThreadLocal<float[]> dotScratch = ThreadLocal.withInitial(() -> new float[Ops.DOT_SCRATCH]);

    Session(Transformer model, int contextSize, int maxBatch, KvCache.Type cacheType) {
        this.model = model;
        this.c = model.config();
        this.w = model.weights();
        this.mm = model.matMul();
        this.pool = model.pool();
        if (contextSize < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("context size and batch must be positive");
        }
        this.contextSize = contextSize;
        this.maxBatch = Math.min(maxBatch, contextSize);
        float[] f = c.ropeInverseFrequencies();
        for (int i = 0; i < f.length; i++) {
            f[i] *= c.ropeScale();
        }
        this.invFreq = f;
        this.attnScale = (float) (1.0 / Math.sqrt(c.headDim()));
        int kv = c.kvDim();
        cache = KvCache.create(cacheType, c.layers(), contextSize, kv);
        ensureRows(1);
        last = new float[c.dim()];
        logits = new float[c.vocabSize()];
        scores = ThreadLocal.withInitial(() -> new float[contextSize]);
    }

    /** Grows the activation buffers to at least n rows (a multiple of 16, at most maxBatch). */
    private void ensureRows(int n) {
        if (n <= rows) {
            return;
        }
        int b = Math.min(maxBatch, (n + 15) & ~15);
        int kv = c.kvDim();
        x = new float[b * c.dim()];
        xb = new float[b * c.dim()];
        q = new float[b * c.qDim()];
        k = new float[b * kv];
        v = new float[b * kv];
        att = new float[b * c.qDim()];
        proj = new float[b * c.dim()];
        hGate = new float[b * c.ffnDim()];
        hUp = new float[b * c.ffnDim()];
        qkv = w.layers().length > 0 && w.layers()[0].wqkv() != null ? new float[b * (c.qDim() + 2 * kv)] : null;
        rows = b;
    }

    public ModelConfig config() { return c; }

    /** Tokens in the cache so far (the position of the next token). */
    public int position() { return position; }

    public int contextSize() { return contextSize; }

    /** Forgets everything: the next token goes to position 0. */
    public void reset() { position = 0; }

    /** Moves back to an earlier position, keeping the cache before it (e.g. to re-run a shared prefix). */
    public void rewind(int newPosition) {
        if (newPosition < 0 || newPosition > position) {
            throw new IllegalArgumentException("cannot rewind to " + newPosition + " from " + position);
        }
        position = newPosition;
    }

    /**
     * Runs {@code count} tokens through the model at the next positions and returns the logits
     * after the last one. The returned array is reused by the next call.
     *
     * @throws ContextOverflowException when the tokens do not fit the remaining context
     */
    public float[] forward(int[] tokens, int offset, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("nothing to run");
        }
        if (position + count > contextSize) {
            throw new ContextOverflowException("context is full: " + position + " tokens + " + count + " new > "
                    + contextSize + " (raise --ctx, or use --context-shift)");
        }
        for (int i = 0; i < count; i++) {
            int id = tokens[offset + i];
            if (id < 0 || id >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (c.vocabSize() - 1) + ")");
            }
        }
        long start = System.nanoTime();
        model.forwardStarting(Math.min(maxBatch, count));
        ensureRows(Math.min(maxBatch, count));
        int done = 0;
        while (done < count) {
            int n = Math.min(maxBatch, count - done);
            step(tokens, offset + done, n);
            done += n;
        }
        System.arraycopy(x, (lastBatch - 1) * c.dim(), last, 0, c.dim());
        norm(last, 0, last, 0, w.outputNorm(), w.outputNormBias());
        model.outputStarting();
        product(w.output(), last, 1, logits);
        if (count == 1) {
            // A generated token: spend as long again (at most COPY_NANOS) on the weights'
            // interleaved copies, so that tokens keep coming, at about half speed, until they
            // are all made (1B, 2 threads: 20-30 tokens); then the 8-row kernels run faster than
            // before. Measured against making them all in the first token: the second token
            // came after 0.1 s instead of 1.4-2.3 s, 64 tokens took no longer. The cap: a token
            // that ran slowly must not buy the next copies a longer turn.
            model.copySome(Math.min(COPY_NANOS, System.nanoTime() - start));
        }
        return logits;
    }

    /** Convenience: one token. */
    public float[] forward(int token) {
        single[0] = token;
        return forward(single, 0, 1);
    }

    private final int[] single = new int[1];
    /** The most time one generated token spends on interleaved copies. */
    private static final long COPY_NANOS = 60_000_000L;
    /**
     * Whether this step is one generated token (matVec; a prompt's single rows, its last layer
     * and the output, go through matMul). Both read the interleaved copies the model has made so
     * far ({@link Transformer#copySome}), and the file's rows of the others.
     */
    private boolean decoding;

    private void product(Matrix m, float[] in, int n, float[] out) {
        if (n == 1 && decoding) {
            mm.matVec(m, in, out);
        } else {
            mm.matMul(m, in, n, out);
        }
    }
    private int lastBatch;

    private void step(int[] tokens, int offset, int n) {
        decoding = n == 1;
        int dim = c.dim();
        int pos0 = position;
        TensorData emb = w.tokenEmbedding();
        long rowBytes = emb.rowBytes();
        for (int t = 0; t < n; t++) {
            QuantCodecs.dequantize(emb.type(), emb.data(), tokens[offset + t] * rowBytes, x, t * dim, dim);
            if (w.positionEmbedding() != null) {
                TensorData pe = w.positionEmbedding();
                if (pos0 + t >= pe.rows()) {
                    throw new ContextOverflowException("position " + (pos0 + t) + " is beyond the model's "
                            + pe.rows() + " learned positions");
                }
                QuantCodecs.dequantize(pe.type(), pe.data(), (pos0 + t) * pe.rowBytes(), proj, 0, dim);
                Ops.add(x, t * dim, proj, 0, dim);
            }
        }
        lastBatch = n;
        for (int l = 0; l < c.layers(); l++) {
            layer(l, w.layers()[l], n, pos0);
        }
        position = pos0 + n;
    }

    private void layer(int l, ModelWeights.Layer L, int n, int pos0) {
        int dim = c.dim(), qd = c.qDim(), kvd = c.kvDim();
        for (int t = 0; t < n; t++) {
            norm(xb, t * dim, x, t * dim, L.attnNorm(), L.attnNormBias());
        }
        if (L.wqkv() != null) {
            int width = qd + 2 * kvd;
            matMul(L.wqkv(), xb, n, qkv, L.bqkv(), width);
            for (int t = 0; t < n; t++) {
                System.arraycopy(qkv, t * width, q, t * qd, qd);
                System.arraycopy(qkv, t * width + qd, k, t * kvd, kvd);
                System.arraycopy(qkv, t * width + qd + kvd, v, t * kvd, kvd);
            }
        } else {
            matMul(L.wq(), xb, n, q, L.bq(), qd);
            matMul(L.wk(), xb, n, k, L.bk(), kvd);
            matMul(L.wv(), xb, n, v, L.bv(), kvd);
        }
        if (c.rope() != Rope.NONE) {
            for (int t = 0; t < n; t++) {
                for (int h = 0; h < c.heads(); h++) {
                    rope(q, t * qd + h * c.headDim(), pos0 + t);
                }
                for (int h = 0; h < c.kvHeads(); h++) {
                    rope(k, t * kvd + h * c.headDim(), pos0 + t);
                }
            }
        }
        cache.store(l, pos0, k, v, n);
        attention(l, n, pos0);
        if (l == c.layers() - 1 && n > 1) {
            // Only the last token's logits are wanted: like llama.cpp, finish the last layer for
            // that row alone (it also decides which rows llama.cpp's quantized GEMM sees).
            model.lastRowStarting();
            System.arraycopy(att, (n - 1) * qd, att, 0, qd);
            System.arraycopy(x, (n - 1) * dim, x, 0, dim);
            n = 1;
            lastBatch = 1;
        }
        matMul(L.wo(), att, n, proj, L.bo(), dim);
        Ops.add(x, 0, proj, 0, n * dim);

        for (int t = 0; t < n; t++) {
            norm(xb, t * dim, x, t * dim, L.ffnNorm(), L.ffnNormBias());
        }
        int ff = c.ffnDim();
        if (c.mlp() == Mlp.SWIGLU) {
            matMul(L.wGate(), xb, n, hGate, null, ff);
            matMul(L.wUp(), xb, n, hUp, null, ff);
            Ops.siluMul(hGate, hUp, n * ff);
            matMul(L.wDown(), hGate, n, proj, L.bDown(), dim);
        } else {
            matMul(L.wUp(), xb, n, hUp, L.bUp(), ff);
            Ops.gelu(hUp, 0, n * ff);
            matMul(L.wDown(), hUp, n, proj, L.bDown(), dim);
        }
        Ops.add(x, 0, proj, 0, n * dim);
    }

    /** out[t] = W in[t] (+ bias) for the n rows of the batch. */
    private void matMul(Matrix m, float[] in, int n, float[] out, float[] bias, int width) {
        product(m, in, n, out);
        if (bias != null) {
            for (int t = 0; t < n; t++) {
                Ops.add(out, t * width, bias, 0, width);
            }
        }
    }

    private void norm(float[] out, int outOff, float[] in, int inOff, float[] weight, float[] bias) {
        if (c.norm() == Norm.RMS) {
            Ops.rmsNorm(out, outOff, in, inOff, weight, c.dim(), c.normEps());
        } else {
            Ops.layerNorm(out, outOff, in, inOff, weight, bias, c.dim(), c.normEps());
        }
    }

    private void rope(float[] vec, int off, int pos) {
        if (c.rope() == Rope.ADJACENT) {
            Ops.ropeAdjacent(vec, off, c.ropeDims(), pos, invFreq);
        } else {
            Ops.ropeNeox(vec, off, c.ropeDims(), pos, invFreq);
        }
    }

    // The attention task is built once; its inputs travel in fields so no lambda is allocated per layer.
    private int attLayer, attPos0;
    private final Parallel.RangeTask attentionTask = this::attendRange;

    /** Causal attention for the batch's n tokens, over the cache up to each token's own position. */
    private void attention(int l, int n, int pos0) {
        attLayer = l;
        attPos0 = pos0;
        pool.forRange(n * c.heads(), attentionTask);
    }

    private void attendRange(int from, int to) {
        int heads = c.heads(), hd = c.headDim(), qd = c.qDim(), group = c.groupSize();
        int l = attLayer;
        float[] s = scores.get(), scratch = dotScratch.get();
        for (int idx = from; idx < to; idx++) {
            int t = idx / heads, h = idx % heads;
            int len = attPos0 + t + 1;
            int qo = t * qd + h * hd;
            int ko = (h / group) * hd;
            for (int i = 0; i < len; i++) {
                s[i] = cache.dotKey(l, i, ko, q, qo, hd, scratch) * attnScale;
            }
            Ops.softmax(s, 0, len);
            java.util.Arrays.fill(att, qo, qo + hd, 0f);
            for (int i = 0; i < len; i++) {
                cache.addValue(l, i, ko, s[i], att, qo, hd);
            }
        }
    }

    /**
     * Drops {@code discard} cached tokens after the first {@code keep}, sliding the rest down (llama.cpp's
     * context shift). RoPE keys are rotated back by the distance moved, so attention sees the same
     * relative positions; learned-position models keep their absolute embeddings.
     */
    public void shift(int keep, int discard) {
        if (keep < 0 || discard < 1 || keep + discard > position) {
            throw new IllegalArgumentException("cannot discard " + discard + " tokens after " + keep + " of " + position);
        }
        int hd = c.headDim();
        int moved = position - keep - discard;
        cache.move(keep + discard, keep, moved);
        if (c.rope() != Rope.NONE) {
            float[] key = new float[hd]; // context shifts are rare; this is not the per-token path
            for (int l = 0; l < c.layers(); l++) {
                for (int i = keep; i < keep + moved; i++) {
                    for (int h = 0; h < c.kvHeads(); h++) {
                        cache.readKey(l, i, h * hd, key, hd);
                        rope(key, 0, -discard);
                        cache.writeKey(l, i, h * hd, key, hd);
                    }
                }
            }
        }
        position -= discard;
    }

    public Transformer model() { return model; }
}
