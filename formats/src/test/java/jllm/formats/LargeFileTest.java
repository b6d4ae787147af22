package jllm.formats;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GGUF over 2 GiB opens through one mapping without copying tensor data to the heap. The file is
 * written sparse (only two floats are touched), so the test costs little disk or time. The open
 * time is printed for the record, not asserted: speed belongs in benchmarks.
 */
class LargeFileTest {
    @TempDir
    Path tmp;

    @Test
    void opensA2GiBFileWithoutGrowingTheHeap() throws IOException {
        long cols = 4096, rows = 140_000; // 573M floats, 2.29 GB
        Path file = tmp.resolve("big.gguf");
        new GgufWriter()
                .put("general.architecture", MetadataValue.ofString("test"))
                .addTensor("small", new long[] {4}, new float[] {1, 2, 3, 4})
                .addTensor("big", GgmlType.F32, new long[] {cols, rows}, seg -> {
                    seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 42f);
                    seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, cols * rows - 1, -7f);
                })
                .write(file);
        assertThat(Files.size(file)).isGreaterThan(2L << 30);

        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heapBefore = mem.getHeapMemoryUsage().getUsed();
        long t0 = System.nanoTime();
        try (GgufFile g = GgufFile.open(file)) {
            long openNanos = System.nanoTime() - t0;
            long heapAfter = mem.getHeapMemoryUsage().getUsed();
            TensorData big = g.tensor("big");
            assertThat(big.data().byteSize()).isEqualTo(cols * rows * 4);
            assertThat(big.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 0)).isEqualTo(42f);
            assertThat(big.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, cols * rows - 1)).isEqualTo(-7f);
            assertThat(g.tensor("small").data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 3)).isEqualTo(4f);
            assertThat(heapAfter - heapBefore).as("heap growth on open").isLessThan(32L << 20);
            System.out.printf("LargeFileTest: opened %,d-byte GGUF in %.2f ms, heap grew by %,d bytes%n",
                    Files.size(file), openNanos / 1e6, heapAfter - heapBefore);
        }
    }
}
