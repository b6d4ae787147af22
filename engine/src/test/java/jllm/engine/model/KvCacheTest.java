package jllm.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.SplittableRandom;
import jllm.kernels.Parallel;
import org.junit.jupiter.api.Test;

/** A float16 KV cache changes logits only by half-precision rounding, and context shifts work with it. */
class KvCacheTest {
    @Test
    void f16CacheStaysCloseToF32AndKeepsGreedyTokens() throws Exception {
        JsonNode run = new ObjectMapper().readTree(SharedFixtures.file("fixtures/stories260K/expected.json").toFile())
                .get("variants").get("f32").get("runs").get(0);
        int[] prompt = StoriesFixtureTest.ints(run.get("prompt_ids"));
        try (Parallel pool = new Parallel(2);
             Transformer t = Transformer.open(SharedFixtures.file("fixtures/stories260K/stories260K-f32.gguf"), pool)) {
            float[] exact = t.newSession(64, 16, false).forward(prompt, 0, prompt.length).clone();
            Session half = t.newSession(64, 16, true);
            float[] approx = half.forward(prompt, 0, prompt.length);
            double max = 0;
            for (int i = 0; i < exact.length; i++) {
                max = Math.max(max, Math.abs(exact[i] - approx[i]));
            }
            assertThat(max).isGreaterThan(0).isLessThan(0.05);
            int[] want = StoriesFixtureTest.ints(run.get("generated_ids"));
            int same = 0;
            float[] logits = approx;
            for (int i = 0; i < 16; i++) {
                int id = StoriesFixtureTest.argmax(logits);
                same += id == want[i] ? 1 : 0;
                logits = half.forward(id);
            }
            assertThat(same).isGreaterThanOrEqualTo(12);
            // Shifting keeps the cache consistent: position drops and decoding goes on.
            half.shift(1, 10);
            assertThat(half.position()).isEqualTo(prompt.length + 16 - 10);
            assertThat(half.forward(1)).hasSize(512);
        }
    }

    /** Blocks appear only where positions are stored; reads, value sums and shifts across block edges match a flat copy. */
    @Test
    void allocatesBlocksLazilyAndMovesAcrossBlockEdges() {
        for (KvCache.Type type : KvCache.Type.values()) {
            int layers = 2, kvDim = 8, positions = 3 * KvCache.BLOCK + 5;
            KvCache cache = KvCache.create(type, layers, positions, kvDim);
            assertThat(cache.allocatedBlocks()).isZero();
            float[][] flatK = new float[layers][positions * kvDim], flatV = new float[layers][positions * kvDim];
            SplittableRandom r = new SplittableRandom(7);
            int stored = KvCache.BLOCK + 3;   // a batch that crosses the first block edge
            for (int l = 0; l < layers; l++) {
                float[] k = new float[stored * kvDim], v = new float[stored * kvDim];
                for (int i = 0; i < k.length; i++) {
                    // halves are exact in float16, so both types must match the flat copy exactly
                    k[i] = (r.nextInt(64) - 32) * 0.5f;
                    v[i] = (r.nextInt(64) - 32) * 0.5f;
                }
                cache.store(l, 0, k, v, stored);
                System.arraycopy(k, 0, flatK[l], 0, k.length);
                System.arraycopy(v, 0, flatV[l], 0, v.length);
            }
            assertThat(cache.allocatedBlocks()).isEqualTo(2 * layers);
            float[] q = new float[kvDim];
            for (int i = 0; i < kvDim; i++) {
                q[i] = i - 3;
            }
            for (int l = 0; l < layers; l++) {
                for (int pos : new int[] {0, KvCache.BLOCK - 1, KvCache.BLOCK, stored - 1}) {
                    float want = 0;
                    for (int i = 2; i < kvDim; i++) {
                        want += q[i] * flatK[l][pos * kvDim + i];
                    }
                    assertThat(cache.dotKey(l, pos, 2, q, 2, kvDim - 2, new float[jllm.kernels.Ops.DOT_SCRATCH])).isEqualTo(want);
                    float[] out = new float[kvDim];
                    cache.addValue(l, pos, 0, 2f, out, 0, kvDim);
                    for (int i = 0; i < kvDim; i++) {
                        assertThat(out[i]).isEqualTo(2f * flatV[l][pos * kvDim + i]);
                    }
                }
            }
            // A context shift: positions [10, stored) move to [4, ...), crossing the block edge.
            cache.move(10, 4, stored - 10);
            float[] got = new float[kvDim];
            for (int l = 0; l < layers; l++) {
                for (int pos = 4; pos < stored - 6; pos++) {
                    cache.readKey(l, pos, 0, got, kvDim);
                    for (int i = 0; i < kvDim; i++) {
                        assertThat(got[i]).as("%s layer %d pos %d", type, l, pos).isEqualTo(flatK[l][(pos + 6) * kvDim + i]);
                    }
                }
            }
            assertThat(cache.allocatedBlocks()).isEqualTo(2 * layers);
        }
    }
}
