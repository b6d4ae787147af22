package jllm.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class Llama2cCheckpointTest {
    static final String BIN = "fixtures/stories260K/stories260K.bin";

    @Test
    void readsTheLegacyHeaderAndNamesTensorsLikeLlamaCpp() throws IOException {
        try (Llama2cCheckpoint c = Llama2cCheckpoint.open(Shared.file(BIN))) {
            Llama2cCheckpoint.Config k = c.config();
            assertThat(k).isEqualTo(new Llama2cCheckpoint.Config(64, 172, 5, 8, 4, 512, 512, true, 0));
            assertThat(c.tensor("blk.0.attn_k.weight").shape()).containsExactly(64, 32);
            assertThat(c.tensor("blk.3.ffn_down.weight").shape()).containsExactly(172, 64);
            assertThat(c.tensorMap()).doesNotContainKey("output.weight");
            assertThat(ModelSummary.of(c).parameters()).isEqualTo(260032);
        }
    }

    @Test
    void readsVersion1AndTheUnsharedClassifier() throws IOException {
        // Rebuild the fixture in version-1 layout with a separate classifier and compare tensor by tensor.
        try (Llama2cCheckpoint v0 = Llama2cCheckpoint.open(Shared.file(BIN))) {
            Llama2cCheckpoint.Config k = v0.config();
            ByteBuffer b = ByteBuffer.allocate(256 + (int) v0.fileBytes() + (int) v0.tensor("token_embd.weight").data().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(Llama2cCheckpoint.MAGIC).putInt(1).putInt(k.dim()).putInt(k.hiddenDim()).putInt(k.layers())
                    .putInt(k.heads()).putInt(k.kvHeads()).putInt(k.vocabSize()).putInt(k.seqLen()).put((byte) 0);
            b.position(256);
            List<String> order = new java.util.ArrayList<>();
            for (String kind : List.of("attn_norm", "ffn_norm")) {
                for (int l = 0; l < k.layers(); l++) {
                    order.add("blk." + l + "." + kind + ".weight");
                }
            }
            order.add("output_norm.weight");
            order.add("token_embd.weight");
            for (String kind : List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_down", "ffn_up")) {
                for (int l = 0; l < k.layers(); l++) {
                    order.add("blk." + l + "." + kind + ".weight");
                }
            }
            for (String n : order) {
                b.put(v0.tensor(n).data().asByteBuffer());
            }
            b.put(v0.tensor("token_embd.weight").data().asByteBuffer()); // the unshared classifier
            byte[] bytes = java.util.Arrays.copyOf(b.array(), b.position());
            try (Llama2cCheckpoint v1 = Llama2cCheckpoint.read(MemorySegment.ofArray(bytes), "v1.bin")) {
                assertThat(v1.config().version()).isEqualTo(1);
                assertThat(v1.config().sharedClassifier()).isFalse();
                for (TensorData t : v0.tensors()) {
                    assertThat(v1.tensor(t.name()).data().mismatch(t.data())).as(t.name()).isEqualTo(-1);
                }
                assertThat(v1.tensor("output.weight").data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 8))
                        .isEqualTo(v0.tensor("token_embd.weight").data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 8));
            }
            bytes[4] = 2;
            byte[] v2 = bytes;
            assertThatThrownBy(() -> Llama2cCheckpoint.read(MemorySegment.ofArray(v2), "v2.bin"))
                    .isInstanceOf(FormatException.class).hasMessageContaining("version 2");
        }
    }

    @Test
    void truncationAndHeaderNonsenseAreClearErrors() throws IOException {
        byte[] all = Files.readAllBytes(Shared.file(BIN));
        byte[] cut = java.util.Arrays.copyOf(all, all.length - 1000);
        assertThatThrownBy(() -> Llama2cCheckpoint.read(MemorySegment.ofArray(cut), "cut.bin"))
                .isInstanceOf(FormatException.class).hasMessageContaining("cut.bin").hasMessageContaining("truncated");
        byte[] longer = java.util.Arrays.copyOf(all, all.length + 4);
        assertThatThrownBy(() -> Llama2cCheckpoint.read(MemorySegment.ofArray(longer), "long.bin"))
                .isInstanceOf(FormatException.class).hasMessageContaining("header and size disagree");
        byte[] heads = all.clone();
        heads[12] = 7; // n_heads = 7 does not divide dim 64
        assertThatThrownBy(() -> Llama2cCheckpoint.read(MemorySegment.ofArray(heads), "h.bin"))
                .isInstanceOf(FormatException.class).hasMessageContaining("n_heads");
        byte[] huge = all.clone();
        huge[3] = 0x40; // dim = 2^30 + 64
        assertThatThrownBy(() -> Llama2cCheckpoint.read(MemorySegment.ofArray(huge), "d.bin"))
                .isInstanceOf(FormatException.class).hasMessageContaining("dim").hasMessageContaining("out of range");
    }
}
