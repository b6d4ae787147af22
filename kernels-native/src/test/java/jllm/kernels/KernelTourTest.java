package jllm.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KernelTourTest {
    @Test
    void everyPathAgreesWithTheMatrixVectorProduct() {
        // 8 types x 5 batches x 64 rows on the file's rows, and again on the copies of the 3
        // interleaving types where this machine's vectors have an interleaved kernel (sum of batches: 1+7+9+10+11 = 38).
        int perPass = 38 * 64;
        int compared = KernelTour.run(2);
        long copies = java.util.stream.Stream.of(jllm.formats.GgmlType.Q4_0, jllm.formats.GgmlType.Q4_K, jllm.formats.GgmlType.Q6_K)
                .filter(t -> new Matrix(t, 64, 512, java.lang.foreign.MemorySegment.ofArray(new byte[(int) (64 * t.rowBytes(512))])).interleaves())
                .count();
        assertThat(compared).isEqualTo(perPass * (8 + copies));
    }
}
