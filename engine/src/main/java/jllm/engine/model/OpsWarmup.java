package jllm.engine.model;

import java.time.Duration;
import java.util.SplittableRandom;
import jllm.kernels.Ops;

/**
 * Starts the JIT on the per-layer vector operations (norms, attention, SwiGLU), once per JVM and
 * on a thread of its own: they need no model, so this can begin as soon as a command knows it will
 * run one, while the file is still being read. Each operation is called {@link #CALLS} times, so
 * that C2 compiles its entry (after ~5 calls at the launcher's threshold for {@code VecOps}), on
 * short rows: a long row would have C2 compile the loop on stack first, a second compile of each
 * operation that the forward pass never uses. The lengths take every loop and tail.
 */
final class OpsWarmup {
    private OpsWarmup() {}

    private static final int CALLS = 12;
    private static final int[] LENGTHS = {87, 7};   // 2x32 + 16 + 7: the 32-, 16- and 8-float loops and a tail

    private static Thread thread;

    /** Starts the warm-up unless it has started before (or {@code -Djllm.warmup=false}). */
    static synchronized void start() {
        if (thread == null && !"false".equals(System.getProperty("jllm.warmup"))) {
            thread = Thread.ofPlatform().daemon().name("jllm-ops-warmup").start(OpsWarmup::run);
        }
    }

    /** Waits at most {@code nanos} for the warm-up to finish (at once when none is running). */
    static void await(long nanos) throws InterruptedException {
        Thread t;
        synchronized (OpsWarmup.class) {
            t = thread;
        }
        if (t != null && t.isAlive() && nanos > 0) {
            t.join(Duration.ofNanos(nanos));
        }
    }

    private static void run() {
        float[] x = new float[LENGTHS[0]], v = new float[x.length], u = new float[x.length];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        try {
            for (int call = 0; call < CALLS; call++) {
                int n = LENGTHS[call % LENGTHS.length];
                java.util.Arrays.fill(u, 0f);
                Ops.rmsNorm(v, 0, x, 0, x, n, 1e-5f);
                Ops.siluMul(v, u, n);
                Ops.add(u, 0, v, 0, n);
                Ops.axpy(0.5f, x, 0, u, 0, n);
                v[0] = Ops.dot(x, 0, u, 0, n);
                Ops.softmax(v, 0, n);
            }
        } catch (RuntimeException e) {
            // An optimization only: the real operations report any real problem.
        }
    }
}
