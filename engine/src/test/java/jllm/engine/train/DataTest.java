package jllm.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DataTest {
    @Test
    void bytesSplitNinetyTen() {
        byte[] data = new byte[1000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        TokenDataset d = TokenDataset.bytes(data);
        assertThat(d.vocabSize()).isEqualTo(256);
        assertThat(d.train()).hasSize(900);
        assertThat(d.validation()).hasSize(100);
        assertThat(d.validation()[0]).isEqualTo((900 * 7) & 0xff);
        assertThatThrownBy(() -> new TokenDataset(new int[] {300}, 256, 0.1)).hasMessageContaining("outside");
    }

    @Test
    void windowsAreShiftedByOneWithStrideAndEachVisitedOncePerEpoch() {
        int[] stream = new int[50];
        for (int i = 0; i < stream.length; i++) {
            stream[i] = i;
        }
        WindowSampler s = new WindowSampler(stream, 8, 3, true, 42);
        assertThat(s.windows()).isEqualTo((50 - 9) / 3 + 1);
        int[] in = new int[8], tg = new int[8];
        Set<Integer> starts = new HashSet<>();
        for (int w = 0; w < s.windows(); w++) {
            s.next(in, tg, 1);
            assertThat(in[0] % 3).isZero();
            for (int i = 0; i < 8; i++) {
                assertThat(in[i]).isEqualTo(in[0] + i);
                assertThat(tg[i]).isEqualTo(in[i] + 1);
            }
            starts.add(in[0]);
        }
        assertThat(starts).hasSize(s.windows());
    }

    @Test
    void seededOrderAndSeekReproduceBatches() {
        int[] stream = new int[400];
        for (int i = 0; i < stream.length; i++) {
            stream[i] = i;
        }
        WindowSampler a = new WindowSampler(stream, 4, 1, true, 7), b = new WindowSampler(stream, 4, 1, true, 7);
        WindowSampler other = new WindowSampler(stream, 4, 1, true, 8);
        int[] ia = new int[40], ib = new int[40], io = new int[40], t = new int[40];
        a.next(ia, t, 10);
        b.next(ib, t, 10);
        other.next(io, t, 10);
        assertThat(ia).containsExactly(ib);
        assertThat(ia).isNotEqualTo(io);
        for (int i = 0; i < 200; i++) {
            a.next(ia, t, 10); // into later epochs
        }
        long pos = a.position();
        a.next(ia, t, 10);
        b.seek(pos);
        b.next(ib, t, 10);
        assertThat(ib).containsExactly(ia);
    }
}
