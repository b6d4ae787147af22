package jllm.formats;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A llama2.c checkpoint ({@code .bin}): the legacy version-0 layout (a 7-int header, then float32
 * weights in llama2.c's order, including the precomputed RoPE tables) and the version-1 layout
 * (a 256-byte header starting with magic "ak42", float32 weights grouped by kind). Version 2
 * (int8 weights) is refused with a clear message.
 *
 * <p>Tensors get llama.cpp's GGUF names ({@code token_embd.weight}, {@code blk.N.attn_q.weight},
 * ...) and ggml-order shapes, so the rest of jllm treats all formats alike. In the legacy format
 * a negative vocabulary size means the classifier is stored separately; a positive one means it
 * is shared with the token embedding, in which case {@code output.weight} is absent.
 */
public final class Llama2cCheckpoint implements ModelFile {
    static final int MAGIC = 0x616b3432; // "ak42"
    static final int MAX_DIM = 1 << 20;

    /** The header fields, as llama2.c names them. */
    public record Config(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize,
                         int seqLen, boolean sharedClassifier, int version) {
        public int headSize() { return dim / heads; }

        public int kvDim() { return dim / heads * kvHeads; }
    }

    private final Path path;
    private final Arena arena;
    private final Config config;
    private final Map<String, TensorData> tensors;
    private final long fileBytes;

    private Llama2cCheckpoint(Path path, Arena arena, Config config, Map<String, TensorData> tensors, long fileBytes) {
        this.path = path;
        this.arena = arena;
        this.config = config;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.fileBytes = fileBytes;
    }

    /** Maps and parses a checkpoint. */
    public static Llama2cCheckpoint open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return parse(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena), path, arena);
        } catch (RuntimeException | IOException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Parses checkpoint bytes already in memory; {@code name} appears in errors. */
    public static Llama2cCheckpoint read(MemorySegment bytes, String name) {
        return parse(bytes, Path.of(name), null);
    }

    /** True when the file starts like a llama2.c checkpoint of either version (cheap sniff for format detection). */
    static boolean looksLike(MemorySegment head) {
        if (head.byteSize() < 28) {
            return false;
        }
        ByteReader in = new ByteReader(head, "");
        int first = in.i32("");
        if (first == MAGIC) {
            return true;
        }
        int[] h = {first, in.i32(""), in.i32(""), in.i32(""), in.i32(""), in.i32(""), in.i32("")};
        return h[0] > 0 && h[0] <= MAX_DIM && h[1] > 0 && h[2] > 0 && h[3] > 0 && h[4] > 0 && h[5] != 0 && h[6] > 0;
    }

    private static Llama2cCheckpoint parse(MemorySegment all, Path path, Arena arena) {
        ByteReader in = new ByteReader(all, path.toString());
        int version = 0;
        boolean shared;
        long dataStart;
        int[] h = new int[7];
        String[] names = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
        if (all.byteSize() >= 4 && in.i32("magic") == MAGIC) {
            version = in.i32("version");
            if (version == 2) {
                throw in.error("version", 4, "llama2.c version 2 (int8-quantized) checkpoints are not supported;"
                        + " export version 1 (float32) or convert to GGUF");
            }
            if (version != 1) {
                throw in.error("version", 4, "unknown llama2.c checkpoint version " + version);
            }
            for (int i = 0; i < 7; i++) {
                h[i] = in.i32(names[i]);
            }
            byte flag = in.u8("shared_classifier");
            if (flag != 0 && flag != 1) {
                throw in.error("shared_classifier", 36, "flag is " + (flag & 0xFF) + ", expected 0 or 1");
            }
            shared = flag == 1;
            dataStart = 256;
        } else {
            in.seek(0);
            for (int i = 0; i < 7; i++) {
                h[i] = in.i32(names[i]);
            }
            shared = h[5] > 0;
            h[5] = Math.abs(h[5]);
            dataStart = 28;
        }
        for (int i = 0; i < 7; i++) {
            if (h[i] <= 0 || h[i] > MAX_DIM) {
                throw in.error(names[i], version == 0 ? i * 4L : 8 + i * 4L,
                        "value " + h[i] + " is out of range (1.." + MAX_DIM + "); not a llama2.c checkpoint?");
            }
        }
        Config c = new Config(h[0], h[1], h[2], h[3], h[4], h[5], h[6], shared, version);
        if (c.dim % c.heads != 0 || c.heads % c.kvHeads != 0 || c.headSize() % 2 != 0) {
            throw in.error("n_heads", version == 0 ? 12 : 20, "dim " + c.dim + ", " + c.heads + " heads and "
                    + c.kvHeads + " KV heads do not divide evenly");
        }
        Layout layout = new Layout(all, in, dataStart);
        long d = c.dim, hd = c.hiddenDim, kv = c.kvDim(), v = c.vocabSize, L = c.layers;
        Map<String, TensorData> t = new LinkedHashMap<>();
        if (version == 0) {
            layout.take(t, "token_embd.weight", d, v);
            layout.perLayer(t, L, "attn_norm", d);
            layout.perLayer(t, L, "attn_q", d, d);
            layout.perLayer(t, L, "attn_k", d, kv);
            layout.perLayer(t, L, "attn_v", d, kv);
            layout.perLayer(t, L, "attn_output", d, d);
            layout.perLayer(t, L, "ffn_norm", d);
            layout.perLayer(t, L, "ffn_gate", d, hd);
            layout.perLayer(t, L, "ffn_down", hd, d);
            layout.perLayer(t, L, "ffn_up", d, hd);
            layout.take(t, "output_norm.weight", d);
            // freq_cis_real and freq_cis_imag: RoPE tables jllm recomputes; skipped but must be present.
            layout.skip("freq_cis", 2L * c.seqLen * (c.headSize() / 2));
        } else {
            layout.perLayer(t, L, "attn_norm", d);
            layout.perLayer(t, L, "ffn_norm", d);
            layout.take(t, "output_norm.weight", d);
            layout.take(t, "token_embd.weight", d, v);
            layout.perLayer(t, L, "attn_q", d, d);
            layout.perLayer(t, L, "attn_k", d, kv);
            layout.perLayer(t, L, "attn_v", d, kv);
            layout.perLayer(t, L, "attn_output", d, d);
            layout.perLayer(t, L, "ffn_gate", d, hd);
            layout.perLayer(t, L, "ffn_down", hd, d);
            layout.perLayer(t, L, "ffn_up", d, hd);
        }
        if (!shared) {
            layout.take(t, "output.weight", d, v);
        }
        if (layout.position != all.byteSize()) {
            throw in.error("weights", layout.position, "file has " + (all.byteSize() - layout.position)
                    + " bytes after the last weight; header and size disagree");
        }
        return new Llama2cCheckpoint(path, arena, c, t, all.byteSize());
    }

    /** Walks the float32 weights in file order, slicing each tensor from the mapping. */
    private static final class Layout {
        final MemorySegment all;
        final ByteReader in;
        long position;

        Layout(MemorySegment all, ByteReader in, long start) {
            this.all = all;
            this.in = in;
            this.position = start;
        }

        void take(Map<String, TensorData> out, String name, long... shape) {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            long bytes = n * 4;
            if (bytes > all.byteSize() - position) {
                throw in.error(name, position, "needs " + bytes + " bytes but the file ends after "
                        + (all.byteSize() - position) + " (truncated, or the header is wrong)");
            }
            out.put(name, new TensorData(name, GgmlType.F32, shape, all.asSlice(position, bytes)));
            position += bytes;
        }

        void perLayer(Map<String, TensorData> out, long layers, String kind, long... shape) {
            for (int l = 0; l < layers; l++) {
                take(out, "blk." + l + "." + kind + ".weight", shape);
            }
        }

        void skip(String what, long floats) {
            if (floats * 4 > all.byteSize() - position) {
                throw in.error(what, position, "the RoPE tables are cut short (truncated file)");
            }
            position += floats * 4;
        }
    }

    public Config config() { return config; }

    @Override
    public Format format() { return Format.LLAMA2C; }

    @Override
    public Path path() { return path; }

    @Override
    public long fileBytes() { return fileBytes; }

    @Override
    public List<TensorData> tensors() { return List.copyOf(tensors.values()); }

    @Override
    public Map<String, TensorData> tensorMap() { return tensors; }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
