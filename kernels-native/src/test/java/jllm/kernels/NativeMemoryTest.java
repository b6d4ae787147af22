package jllm.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

class NativeMemoryTest {
    @Test
    void blocksAreWritableToTheirLastByte() {
        // 40 x 64 MiB = 2.5 GiB in all, dropped as they go (freed by the cleaner).
        for (int i = 0; i < 40; i++) {
            long n = 64L << 20;
            MemorySegment s = NativeMemory.allocate(n);
            assertThat(s.byteSize()).isEqualTo(n);
            s.set(ValueLayout.JAVA_LONG, 0, i);
            s.set(ValueLayout.JAVA_LONG, n - 8, -i);
            assertThat(s.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(i);
            assertThat(s.get(ValueLayout.JAVA_LONG, n - 8)).isEqualTo(-i);
            if (i % 8 == 7) {
                System.gc();
            }
        }
    }

    @Test
    void smallAndBoundaryBlocksAreWritable() {
        for (long n : new long[] {1, 64, NativeMemory.SMALL - 1, NativeMemory.SMALL, NativeMemory.SMALL + 1}) {
            MemorySegment s = NativeMemory.allocate(n);
            assertThat(s.byteSize()).isEqualTo(n);
            s.set(ValueLayout.JAVA_BYTE, n - 1, (byte) 42);
            assertThat(s.get(ValueLayout.JAVA_BYTE, n - 1)).isEqualTo((byte) 42);
        }
    }
}
