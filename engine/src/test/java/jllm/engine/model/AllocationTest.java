package jllm.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import jllm.kernels.Parallel;
import org.junit.jupiter.api.Test;

/** Decoding a token allocates nothing on the calling thread once the JIT has warmed up. */
class AllocationTest {
    @Test
    void decodingAllocatesNothingPerToken() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Parallel pool = new Parallel(1);
             Transformer t = Transformer.open(SharedFixtures.file("fixtures/stories260K/stories260K-q8_0.gguf"), pool)) {
            Session s = t.newSession(512, 8);
            for (int i = 0; i < 20000; i++) { // warm-up until the kernels are compiled by C2
                if (i % 500 == 0) {
                    s.reset();
                }
                s.forward(i % 500 + 3);
            }
            s.reset();
            for (int i = 0; i < 10; i++) {
                s.forward(7);
            }
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100; i++) {
                s.forward(i % 500 + 3);
            }
            long perToken = (mx.getCurrentThreadAllocatedBytes() - before) / 100;
            System.out.println("AllocationTest: " + perToken + " bytes allocated per decoded token");
            assertThat(perToken).isLessThan(256);
        }
    }
}
