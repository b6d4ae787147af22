package jllm.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corrupts real files in many seeded ways (byte flips, truncations, inflated counts and lengths)
 * and checks that each either still loads, with every tensor readable, or fails with a
 * {@link FormatException} naming the file. Anything else (another exception, an
 * OutOfMemoryError, a hang) fails the test with the case number to replay it.
 */
class MutationTest {
    static final long SEED = 20261126L;
    static final int CASES_PER_FILE = 260;

    @TempDir
    Path tmp;

    @Test
    @Timeout(300)
    void corruptFilesLoadOrFailCleanly() throws IOException {
        int cases = 0;
        cases += mutate(Files.readAllBytes(Shared.file("fixtures/stories260K/stories260K-f32.gguf")), 80_000,
                b -> open(GgufFile.read(b, "mutant.gguf")));
        cases += mutate(Files.readAllBytes(Shared.file("fixtures/quants/codecs.gguf")), 2_000,
                b -> open(GgufFile.read(b, "mutant.gguf")));
        cases += mutate(Files.readAllBytes(Shared.file("fixtures/tokenizers/ggml-vocab-llama-spm.gguf")), 1_000_000,
                b -> open(GgufFile.read(b, "mutant.gguf")));
        cases += mutate(Files.readAllBytes(Shared.file("fixtures/stories260K/stories260K.bin")), 64,
                b -> open(Llama2cCheckpoint.read(b, "mutant.bin")));
        Path st = tmp.resolve("m.safetensors");
        float[] w = new float[32];
        new SafetensorsWriter().metadata("format", "pt").add("a.weight", new long[] {8, 4}, w)
                .add("b.bias", new long[] {8}, new float[8]).add("c", new long[] {3, 2, 4}, new float[24]).write(st);
        byte[] stBytes = Files.readAllBytes(st);
        cases += mutate(stBytes, stBytes.length - 4 * (32 + 8 + 24), b -> open(SafetensorsFile.read(b, "mutant.safetensors")));
        assertThat(cases).isGreaterThanOrEqualTo(1000);
    }

    /** Runs the mutations of one file; {@code headerBytes} is where most of them land. */
    private int mutate(byte[] original, int headerBytes, Function<MemorySegment, Boolean> load) {
        Random r = new Random(SEED ^ original.length);
        int loaded = 0;
        for (int i = 0; i < CASES_PER_FILE; i++) {
            byte[] b = original.clone();
            String what = mutateOnce(r, b, Math.min(headerBytes, b.length));
            if (what.startsWith("truncate")) {
                b = java.util.Arrays.copyOf(b, Integer.parseInt(what.substring(9)));
            }
            try {
                if (load.apply(MemorySegment.ofArray(b))) {
                    loaded++;
                }
            } catch (FormatException e) {
                assertThat(e.getMessage()).contains("mutant");
            } catch (Throwable t) {
                fail("case " + i + " (" + what + ") threw " + t, t);
            }
        }
        System.out.printf("MutationTest: %d-byte file, %d of %d mutants still load%n", original.length, loaded,
                CASES_PER_FILE);
        // Mutations must really exercise both paths.
        assertThat(loaded).isBetween(1, CASES_PER_FILE - 1);
        return CASES_PER_FILE;
    }

    private static String mutateOnce(Random r, byte[] b, int header) {
        int at = r.nextInt(header);
        switch (r.nextInt(6)) {
            case 0 -> { // flip a few random bits in the header region
                for (int k = 1 + r.nextInt(3); k > 0; k--) {
                    int p = r.nextInt(header);
                    b[p] ^= (byte) (1 << r.nextInt(8));
                }
                return "flip";
            }
            case 1 -> {
                return "truncate " + r.nextInt(b.length);
            }
            case 2 -> { // an inflated 64-bit count or length
                long v = switch (r.nextInt(4)) {
                    case 0 -> -1L;
                    case 1 -> 1L << (20 + r.nextInt(43));
                    case 2 -> Integer.MAX_VALUE;
                    default -> r.nextLong();
                };
                put64(b, Math.min(at, b.length - 8), v);
                return "inflate64@" + at;
            }
            case 3 -> { // an inflated or negative 32-bit value (dims, types, header ints)
                put32(b, Math.min(at, b.length - 4), r.nextBoolean() ? -r.nextInt(1000) - 1 : r.nextInt());
                return "inflate32@" + at;
            }
            case 4 -> { // the fields every file starts with
                int p = 8 * r.nextInt(4);
                put64(b, Math.min(p, b.length - 8), r.nextBoolean() ? 1L << 50 : r.nextInt(100_000));
                return "count@" + p;
            }
            default -> { // a small plausible value (type id, dimension, alignment)
                b[at] = (byte) r.nextInt(64);
                return "small@" + at;
            }
        }
    }

    private static void put64(byte[] b, int at, long v) {
        for (int k = 0; k < 8; k++) {
            b[at + k] = (byte) (v >>> (8 * k));
        }
    }

    private static void put32(byte[] b, int at, int v) {
        for (int k = 0; k < 4; k++) {
            b[at + k] = (byte) (v >>> (8 * k));
        }
    }

    /** Reads everything a loaded file offers, so a bad slice or value cannot go unnoticed. */
    private static boolean open(ModelFile f) {
        try (f) {
            long sum = 0;
            for (TensorData t : f.tensors()) {
                MemorySegment d = t.data();
                assertThat(d.byteSize()).isEqualTo(t.type().rowBytes(t.elementCount()));
                if (d.byteSize() > 0) {
                    sum += d.get(ValueLayout.JAVA_BYTE, 0) + d.get(ValueLayout.JAVA_BYTE, d.byteSize() - 1);
                }
            }
            if (f instanceof GgufFile g) {
                g.metadata().asMap().forEach((k, v) -> v.toString());
            }
            if (!(f instanceof SafetensorsFile)) {
                ModelSummary.of(f);
            }
            return sum != Long.MIN_VALUE;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
