package jllm.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A reusable pool of daemon worker threads that splits index ranges across threads. The threads
 * are created once; {@link #forRange} hands them work without allocating: workers spin briefly
 * after a call (so back-to-back calls in a decoding step are cheap), then park.
 *
 * <p>Calls from several threads are serialized. A call made from inside a task of the same pool
 * (nested) runs on the calling thread alone instead of deadlocking.
 */
public final class Parallel implements AutoCloseable {

    /** Work on the half-open index range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    /** Spin iterations (Thread.onSpinWait) before a waiting thread parks. */
    private static final int SPIN = Integer.getInteger("jllm.parallel.spin", 1 << 12);

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger remaining = new AtomicInteger();
    private final Object callLock = new Object();

    private volatile long generation;
    private volatile boolean closed;
    private volatile Throwable failure;
    private volatile Thread caller;
    private volatile Thread owner;
    private RangeTask task;   // published by the volatile write of generation
    private int n;
    private int grain;        // 0: one fixed chunk per thread; else chunks of grain handed out in turn
    private final AtomicInteger next = new AtomicInteger();

    /**
     * @param threads number of threads that run a range, counting the caller; 1 runs everything on
     *                the calling thread and starts no workers
     */
    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    /** Number of threads a range is split across (including the caller). */
    public int threads() {
        return threads;
    }

    /**
     * Calls {@code task.run(from, to)} on disjoint, contiguous chunks that together cover
     * {@code [0, n)} (chunk i is {@code [n*i/threads, n*(i+1)/threads)}, empty chunks are skipped),
     * the first on the calling thread, and returns when all are done. An exception thrown by a
     * chunk is rethrown here after every chunk has finished.
     */
    public void forRange(int n, RangeTask task) {
        run(n, 0, task);
    }

    /**
     * Calls {@code task.run(from, to)} on chunks of {@code grain} indices (the last may be
     * shorter) that together cover {@code [0, n)}, handed to whichever thread is free next, and
     * returns when all are done. For work whose chunks are independent of the thread that runs
     * them: a thread slowed down by another process on its core then takes fewer chunks instead
     * of holding everyone up at the end.
     */
    public void forChunks(int n, int grain, RangeTask task) {
        if (grain < 1) {
            throw new IllegalArgumentException("grain must be >= 1, got " + grain);
        }
        run(n, grain, task);
    }

    private void run(int n, int grain, RangeTask task) {
        if (n <= 0) {
            return;
        }
        Thread me = Thread.currentThread();
        if (threads == 1 || n == 1 || owner == me || (me instanceof Worker w && w.pool() == this)) {
            if (grain == 0) {
                task.run(0, n);
            } else {
                for (int from = 0; from < n; from += grain) {
                    task.run(from, (int) Math.min(n, (long) from + grain));
                }
            }
            return;
        }
        if (closed) {
            throw new IllegalStateException("the pool is closed");
        }
        synchronized (callLock) {
            owner = me;
            try {
                this.task = task;
                this.n = n;
                this.grain = grain;
                next.set(0);
                this.failure = null;
                this.caller = me;
                remaining.set(workers.length);
                generation = generation + 1;   // volatile write publishes task and n
                for (Worker w : workers) {
                    if (w.parked) {
                        LockSupport.unpark(w);
                    }
                }
                Throwable mine = null;
                try {
                    runChunk(task, n, 0);
                } catch (Throwable t) {
                    mine = t;
                }
                int spins = 0;
                while (remaining.get() != 0) {
                    if (spins < SPIN) {
                        spins++;
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                }
                Throwable f = mine != null ? mine : failure;
                if (f instanceof RuntimeException re) {
                    throw re;
                } else if (f instanceof Error e) {
                    throw e;
                } else if (f != null) {
                    throw new RuntimeException(f);
                }
            } finally {
                this.task = null;
                owner = null;
            }
        }
    }

    private void runChunk(RangeTask task, int n, int index) {
        if (grain > 0) {
            for (int from; (from = next.getAndAdd(grain)) < n && from >= 0; ) {
                task.run(from, (int) Math.min(n, (long) from + grain));
            }
            return;
        }
        int from = (int) ((long) n * index / threads);
        int to = (int) ((long) n * (index + 1) / threads);
        if (from < to) {
            task.run(from, to);
        }
    }

    /**
     * Stops the worker threads (they are daemons, so this is optional). The {@link #shared()}
     * pool ignores close.
     */
    @Override
    public void close() {
        if (this == Shared.POOL) {
            return;
        }
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
    }

    /** A process-wide pool with {@code Runtime.availableProcessors()} threads, created on first use. */
    public static Parallel shared() {
        return Shared.POOL;
    }

    private static final class Shared {
        static final Parallel POOL = new Parallel(Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    private final class Worker extends Thread {
        private final int index;
        volatile boolean parked;

        Worker(int index) {
            super("jllm-parallel-" + index);
            this.index = index;
            setDaemon(true);
        }

        Parallel pool() {
            return Parallel.this;
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long g;
                int spins = 0;
                while ((g = generation) == seen) {
                    if (closed) {
                        return;
                    }
                    if (spins < SPIN) {
                        spins++;
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (generation == seen && !closed) {
                            LockSupport.park(this);
                        }
                        parked = false;
                    }
                }
                seen = g;
                try {
                    runChunk(task, n, index);
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                }
                if (remaining.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }
}
