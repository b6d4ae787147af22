package jllm.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void chunksCoverTheRangeOnce() {
        for (int threads = 1; threads <= 4; threads++) {
            try (Parallel p = new Parallel(threads)) {
                assertThat(p.threads()).isEqualTo(threads);
                for (int n : new int[] {0, 1, 2, 3, 7, 100, 1001}) {
                    int[] hits = new int[n];
                    for (int rep = 0; rep < 50; rep++) {
                        p.forRange(n, (from, to) -> {
                            for (int i = from; i < to; i++) {
                                hits[i]++;
                            }
                        });
                    }
                    for (int h : hits) {
                        assertThat(h).isEqualTo(50);
                    }
                }
            }
        }
    }

    @Test
    void dynamicChunksCoverTheRangeOnceInGrainSizedPieces() {
        for (int threads = 1; threads <= 3; threads++) {
            try (Parallel p = new Parallel(threads)) {
                for (int n : new int[] {0, 1, 5, 16, 17, 1001}) {
                    for (int grain : new int[] {1, 4, 16, 2000}) {
                        java.util.concurrent.atomic.AtomicIntegerArray hits = new java.util.concurrent.atomic.AtomicIntegerArray(Math.max(n, 1));
                        for (int rep = 0; rep < 20; rep++) {
                            p.forChunks(n, grain, (from, to) -> {
                                assertThat(from % grain).isZero();
                                assertThat(to - from).isBetween(1, grain);
                                for (int i = from; i < to; i++) {
                                    hits.incrementAndGet(i);
                                }
                            });
                        }
                        for (int i = 0; i < n; i++) {
                            assertThat(hits.get(i)).as("n %d grain %d index %d", n, grain, i).isEqualTo(20);
                        }
                    }
                }
                // Back to fixed chunks afterwards: one per thread.
                AtomicInteger calls = new AtomicInteger();
                p.forRange(300, (from, to) -> calls.incrementAndGet());
                assertThat(calls.get()).isEqualTo(threads);
                assertThatThrownBy(() -> p.forChunks(10, 0, (from, to) -> { })).isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    @Test
    void matVecGrainIsEvenAndGivesEachThreadSeveralChunks() {
        assertThat(MatMul.matVecGrain(128256, 2)).isEven().isBetween(128256 / 20, 128256 / 14);
        assertThat(MatMul.matVecGrain(2048, 2)).isEqualTo(128);
        assertThat(MatMul.matVecGrain(100, 2)).isEqualTo(16);
        assertThat(MatMul.matVecGrain(2050, 3) % 2).isZero();
    }

    @Test
    void usesSeveralThreadsAndPropagatesExceptions() {
        try (Parallel p = new Parallel(3)) {
            java.util.Set<Thread> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            p.forRange(3, (from, to) -> seen.add(Thread.currentThread()));
            assertThat(seen).hasSize(3);
            assertThatThrownBy(() -> p.forRange(30, (from, to) -> {
                if (from > 0) {
                    throw new IllegalStateException("boom " + from);
                }
            })).isInstanceOf(IllegalStateException.class).hasMessageStartingWith("boom");
            // still usable afterwards
            AtomicInteger sum = new AtomicInteger();
            p.forRange(10, (from, to) -> sum.addAndGet(to - from));
            assertThat(sum.get()).isEqualTo(10);
        }
    }

    @Test
    void nestedCallsRunInline() {
        try (Parallel p = new Parallel(2)) {
            AtomicInteger count = new AtomicInteger();
            p.forRange(4, (from, to) -> p.forRange(5, (f2, t2) -> count.addAndGet(t2 - f2)));
            assertThat(count.get()).isEqualTo(10);
        }
    }

    @Test
    void concurrentCallersAreSerialized() throws InterruptedException {
        try (Parallel p = new Parallel(2)) {
            AtomicInteger total = new AtomicInteger();
            Thread[] ts = new Thread[3];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = new Thread(() -> {
                    for (int k = 0; k < 200; k++) {
                        p.forRange(16, (from, to) -> total.addAndGet(to - from));
                    }
                });
                ts[i].start();
            }
            for (Thread t : ts) {
                t.join();
            }
            assertThat(total.get()).isEqualTo(3 * 200 * 16);
        }
    }

    @Test
    void sharedPoolSurvivesClose() {
        Parallel s = Parallel.shared();
        assertThat(s.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        s.close();
        AtomicInteger n = new AtomicInteger();
        s.forRange(10, (from, to) -> n.addAndGet(to - from));
        assertThat(n.get()).isEqualTo(10);
    }
}
