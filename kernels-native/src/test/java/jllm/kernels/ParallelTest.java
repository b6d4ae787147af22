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
