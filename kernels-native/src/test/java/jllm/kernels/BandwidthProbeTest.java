package jllm.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BandwidthProbeTest {
    @Test
    void measuresWithSeveralThreads() {
        try (Parallel pool = new Parallel(2)) {
            double bytesPerSecond = BandwidthProbe.measure(pool, 64L << 20, 2);
            assertThat(bytesPerSecond).isGreaterThan(1e8).isFinite();
        }
    }
}
