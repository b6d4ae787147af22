package jllm.engine.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import jllm.formats.ModelFile;
import jllm.formats.ModelFiles;
import jllm.kernels.MatMul;
import jllm.kernels.Matrix;
import jllm.kernels.Parallel;

/**
 * A loaded decoder: configuration plus memory-mapped weights, shared by any number of
 * {@link Session}s (each with its own KV cache). Thread-safe to share; a session is not.
 */
public final class Transformer implements AutoCloseable {
    private final ModelFile file;
    private final ModelConfig config;
    private final ModelWeights weights;
    private final Parallel pool;
    private final MatMul matMul;
    private final KernelWarmup warmup;
    /** The matrices with interleaved copies, in the order a forward pass uses them, and the next to copy. */
    private final List<Matrix> toCopy;
    private int nextCopy;

    private Transformer(Prepared p, Parallel pool, MatMul.Backend backend) {
        this.file = p.file;
        this.config = p.loaded.config();
        this.weights = p.loaded.weights();
        this.pool = pool;
        this.matMul = new MatMul(pool, backend);
        this.matMul.copyOnFirstProduct(false);   // decoding steps make the copies, a few at a time
        this.toCopy = KernelWarmup.toInterleave(weights);
        this.warmup = p.warmup;
    }

    /**
     * What opening a model file involves before threads or a backend are chosen: the mapped file,
     * its configuration and weights, and the kernel warm-up started on them. {@link #open(Prepared,
     * Parallel, MatMul.Backend)} builds the decoder from it; until then, {@link #close} releases it.
     */
    public static final class Prepared implements AutoCloseable {
        private final ModelFile file;
        private final ModelLoader.Loaded loaded;
        private final KernelWarmup warmup;

        private Prepared(ModelFile file, ModelLoader.Loaded loaded) {
            this.file = file;
            this.loaded = loaded;
            this.warmup = KernelWarmup.start(loaded.weights());
        }

        public ModelFile file() { return file; }

        /** Stops the warm-up and closes the file (for a prepared model nobody opened). */
        @Override
        public void close() {
            warmup.close();
            file.close();
        }
    }

    /**
     * Starts compiling the per-layer vector operations on a background thread, once per JVM (a
     * command that will open a model calls it before reading the file; {@link #prepare} does too).
     */
    public static void warmUpOps() {
        OpsWarmup.start();
    }

    /** Opens a model file of any supported format and reads the decoder it describes (see {@link Prepared}). */
    public static Prepared prepare(Path path) throws IOException {
        ModelFile f = ModelFiles.open(path);
        try {
            return new Prepared(f, ModelLoader.load(f));
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** The decoder of a prepared model; closing the transformer closes the file. */
    public static Transformer open(Prepared prepared, Parallel pool, MatMul.Backend backend) {
        return new Transformer(prepared, pool, backend);
    }

    /** Opens a model file of any supported format and builds the decoder it describes. */
    public static Transformer open(Path path, Parallel pool) throws IOException {
        return open(path, pool, MatMul.defaultBackend());
    }

    /**
     * Opens a model with a chosen matrix-product backend: {@code VECTOR} (pure Java), {@code BLAS}
     * (OpenBLAS for prompt batches; fails when it cannot be loaded) or {@code AUTO}.
     */
    public static Transformer open(Path path, Parallel pool, MatMul.Backend backend) throws IOException {
        return open(prepare(path), pool, backend);
    }

    /** Builds the decoder for an already open file; closing the transformer closes the file. */
    public static Transformer of(ModelFile file, Parallel pool) {
        return new Transformer(new Prepared(file, ModelLoader.load(file)), pool, MatMul.defaultBackend());
    }

    public ModelConfig config() { return config; }

    public ModelFile file() { return file; }

    ModelWeights weights() { return weights; }

    Parallel pool() { return pool; }

    MatMul matMul() { return matMul; }

    /**
     * A forward pass whose first step multiplies {@code tokens} rows is starting: the background
     * kernel warm-up gives way to real work.
     */
    void forwardStarting(int tokens) {
        warmup.yieldToWork(tokens, warmup.running() && layersOnBlas(tokens));
    }

    /** Whether every layer matrix's product with {@code tokens} rows goes to OpenBLAS. */
    private boolean layersOnBlas(int tokens) {
        for (ModelWeights.Layer l : weights.layers()) {
            for (Matrix m : new Matrix[] {l.wq(), l.wk(), l.wv(), l.wqkv(), l.wo(), l.wGate(), l.wUp(), l.wDown()}) {
                if (m != null && !matMul.takesBlas(m, tokens)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The last layer of a prompt goes on for its last token alone: waits for the one-row kernels if the warm-up is still compiling them. */
    void lastRowStarting() {
        warmup.awaitOneRowKernels();
    }

    /** The output product is next: waits for its kernel if the warm-up is still compiling it. */
    void outputStarting() {
        warmup.awaitOutputKernel();
    }

    KernelWarmup warmup() { return warmup; }

    /**
     * Makes interleaved copies of the weights (see {@link Matrix#interleaveFor}), in forward
     * order, for about {@code budgetNanos} (at least one slice of 8192 rows). Called after each
     * generated token: making them all in the first one held it up by 1.3-2 s for a 1B Q4_K_M
     * model (most of it the first touch of the copies' fresh memory); spread out, tokens keep
     * coming while the products switch to the copies (same results; the 8-row kernels are
     * faster). Copies the idle-time warm-up made are skipped.
     */
    synchronized void copySome(long budgetNanos) {
        if (nextCopy >= toCopy.size() || !copyKernelsHot()) {
            return;
        }
        long start = System.nanoTime();
        while (nextCopy < toCopy.size()) {
            long left = budgetNanos - (System.nanoTime() - start);
            if (!toCopy.get(nextCopy).interleaveFor(pool, Math.max(0, left))) {
                break;   // a large matrix, copied in slices: the next token goes on with it
            }
            nextCopy++;
            if (System.nanoTime() - start >= budgetNanos) {
                break;
            }
        }
    }

    /** Interleaved samples of the weights' types, for warming the 8-row kernels; null until needed. */
    private List<Matrix> copySamples;
    private float[] sampleIn, sampleOut;
    private boolean copyKernelsHot;
    /** A round of sample products this fast ran compiled 8-row kernels (milliseconds before). */
    static final long HOT_SAMPLES_NANOS = 300_000L;

    /**
     * Whether the 8-row kernels that read the copies run compiled; until then, one round of
     * products on small interleaved samples (8 rows, 512 columns) per call, so that C2 compiles
     * them. Copies made before that would switch whole matrices to kernels still running
     * interpreted, where every vector is a heap object: the tokens after the first copies took
     * 0.3-1 s instead of 0.05.
     */
    private boolean copyKernelsHot() {
        if (copyKernelsHot) {
            return true;
        }
        if (copySamples == null) {
            copySamples = KernelWarmup.interleavedSamples(KernelWarmup.samples(weights));
            int cols = copySamples.stream().mapToInt(Matrix::cols).max().orElse(0);
            int rows = copySamples.stream().mapToInt(Matrix::rows).max().orElse(0);
            sampleIn = new float[cols];
            for (int i = 0; i < cols; i++) {
                sampleIn[i] = (float) Math.sin(i);
            }
            sampleOut = new float[rows];
        }
        long start = System.nanoTime();
        for (Matrix m : copySamples) {
            matMul.matVec(m, sampleIn, 0, sampleOut, 0);
        }
        copyKernelsHot = System.nanoTime() - start < HOT_SAMPLES_NANOS;
        return copyKernelsHot;
    }

    /**
     * Makes every interleaved copy of the weights now, which generated tokens otherwise make a
     * few at a time: for measuring steady decoding ({@code jllm bench}), as llama.cpp repacks its
     * weights when it loads them.
     */
    public synchronized void makeAllCopies() {
        while (nextCopy < toCopy.size()) {
            toCopy.get(nextCopy++).interleave(pool);
        }
    }

    /** Whether every interleaved copy is made (for tests). */
    synchronized boolean copiesDone() {
        return nextCopy >= toCopy.size();
    }

    /**
     * A new inference session.
     *
     * @param contextSize KV cache length in tokens
     * @param maxBatch    the most prompt tokens pushed through the model at once (longer inputs are chunked)
     */
    public Session newSession(int contextSize, int maxBatch) {
        return new Session(this, contextSize, maxBatch, KvCache.Type.F32);
    }

    /** A new inference session whose KV cache holds float16 (half the memory) or float32. */
    public Session newSession(int contextSize, int maxBatch, boolean f16Cache) {
        return new Session(this, contextSize, maxBatch, f16Cache ? KvCache.Type.F16 : KvCache.Type.F32);
    }

    @Override
    public void close() {
        warmup.close();
        file.close();
    }
}
