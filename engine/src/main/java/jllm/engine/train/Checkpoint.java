package jllm.engine.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import jllm.engine.model.ModelConfig;
import jllm.formats.AtomicFiles;

/**
 * Everything needed to continue a run exactly: the model configuration, the training
 * configuration, the step, the data position, the optimizer step count, and per parameter its
 * values and both AdamW moments. The randomness needs no saved state: batch order and dropout
 * masks are functions of (seed, position). Binary format: magic {@code JLLMCKPT}, a version, the
 * fields (big-endian, floats little-endian in bulk), then a CRC-32 of all that; written with
 * {@link AtomicFiles}, so a crash mid-write leaves the previous checkpoint in place.
 */
public record Checkpoint(ModelConfig model, TrainConfig train, int step, long dataPosition, long optimizerSteps,
                         List<Entry> entries) {
    private static final byte[] MAGIC = {'J', 'L', 'L', 'M', 'C', 'K', 'P', 'T'};
    private static final int VERSION = 1;

    /**
     * One parameter's state.
     *
     * @param extension whether it belongs to an attached {@link Extension} rather than the model
     */
    public record Entry(String name, long[] shape, boolean frozen, boolean extension, float[] values, float[] m,
                        float[] v) {}

    /** Writes atomically. */
    public void write(Path file) throws IOException {
        write(file, s -> s);
    }

    /** As {@link #write(Path)}, through a wrapper of the output stream (tests inject failures with it). */
    void write(Path file, UnaryOperator<OutputStream> wrap) throws IOException {
        AtomicFiles.write(file, ch -> {
            CheckedOutputStream checked = new CheckedOutputStream(wrap.apply(Channels.newOutputStream(ch)), new CRC32());
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(checked, 1 << 16));
            writeBody(out);
            out.flush();
            out.writeLong(checked.getChecksum().getValue());
            out.flush();
        });
    }

    private void writeBody(DataOutputStream out) throws IOException {
        out.write(MAGIC);
        out.writeInt(VERSION);
        ModelConfig c = model;
        out.writeUTF(c.architecture().name());
        for (int x : new int[] {c.dim(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.ffnDim(), c.vocabSize(),
                c.contextLength()}) {
            out.writeInt(x);
        }
        out.writeUTF(c.norm().name());
        out.writeFloat(c.normEps());
        out.writeUTF(c.rope().name());
        out.writeInt(c.ropeDims());
        out.writeFloat(c.ropeBase());
        out.writeFloat(c.ropeScale());
        float[] ff = c.ropeFreqFactors();
        out.writeInt(ff == null ? -1 : ff.length);
        if (ff != null) {
            writeFloats(out, ff);
        }
        out.writeUTF(c.mlp().name());
        out.writeBoolean(c.qkvBias());
        out.writeBoolean(c.allBiases());
        TrainConfig t = train;
        for (int x : new int[] {t.ctx(), t.batch(), t.steps()}) {
            out.writeInt(x);
        }
        for (float x : new float[] {t.lr(), t.minLr()}) {
            out.writeFloat(x);
        }
        out.writeInt(t.warmup());
        for (float x : new float[] {t.weightDecay(), t.gradClip()}) {
            out.writeFloat(x);
        }
        out.writeInt(t.accumulation());
        out.writeFloat(t.dropout());
        for (int x : new int[] {t.evalEvery(), t.evalBatches(), t.checkpointEvery()}) {
            out.writeInt(x);
        }
        out.writeLong(t.seed());
        out.writeUTF(t.outDir() == null ? "" : t.outDir().toString());
        out.writeInt(t.stride());
        out.writeInt(step);
        out.writeLong(dataPosition);
        out.writeLong(optimizerSteps);
        out.writeInt(entries.size());
        for (Entry e : entries) {
            out.writeUTF(e.name());
            out.writeInt(e.shape().length);
            for (long d : e.shape()) {
                out.writeLong(d);
            }
            out.writeBoolean(e.frozen());
            out.writeBoolean(e.extension());
            out.writeInt(e.values().length);
            writeFloats(out, e.values());
            writeFloats(out, e.m());
            writeFloats(out, e.v());
        }
    }

    /** Reads and verifies a checkpoint. */
    public static Checkpoint read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            long size = Files.size(file);
            if (size < MAGIC.length + 12) {
                throw new IOException(file + " is not a jllm checkpoint (too short)");
            }
            CheckedInputStream checked = new CheckedInputStream(new BufferedInputStream(raw, 1 << 16), new CRC32());
            DataInputStream in = new DataInputStream(checked);
            Checkpoint c = readBody(in, file);
            long crc = checked.getChecksum().getValue();
            long stored = in.readLong();
            if (crc != stored) {
                throw new IOException(file + " is damaged (checksum mismatch)");
            }
            return c;
        } catch (java.io.EOFException e) {
            throw new IOException(file + " is truncated", e);
        }
    }

    private static Checkpoint readBody(DataInputStream in, Path file) throws IOException {
        byte[] magic = in.readNBytes(MAGIC.length);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IOException(file + " is not a jllm checkpoint");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new IOException(file + ": checkpoint version " + version + " is not supported (expected " + VERSION + ")");
        }
        var arch = ModelConfig.Architecture.valueOf(in.readUTF());
        int[] ints = new int[8];
        for (int i = 0; i < ints.length; i++) {
            ints[i] = in.readInt();
        }
        var norm = ModelConfig.Norm.valueOf(in.readUTF());
        float normEps = in.readFloat();
        var rope = ModelConfig.Rope.valueOf(in.readUTF());
        int ropeDims = in.readInt();
        float ropeBase = in.readFloat(), ropeScale = in.readFloat();
        int nff = in.readInt();
        float[] ff = nff < 0 ? null : readFloats(in, nff);
        var mlp = ModelConfig.Mlp.valueOf(in.readUTF());
        boolean qkvBias = in.readBoolean(), allBiases = in.readBoolean();
        ModelConfig model = new ModelConfig(arch, ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], ints[6], ints[7],
                norm, normEps, rope, ropeDims, ropeBase, ropeScale, ff, mlp, qkvBias, allBiases);
        int ctx = in.readInt(), batch = in.readInt(), steps = in.readInt();
        float lr = in.readFloat(), minLr = in.readFloat();
        int warmup = in.readInt();
        float wd = in.readFloat(), clip = in.readFloat();
        int accumulation = in.readInt();
        float dropout = in.readFloat();
        int evalEvery = in.readInt(), evalBatches = in.readInt(), ckptEvery = in.readInt();
        long seed = in.readLong();
        String out = in.readUTF();
        int stride = in.readInt();
        TrainConfig train = new TrainConfig(ctx, batch, steps, lr, minLr, warmup, wd, clip, accumulation, dropout,
                evalEvery, evalBatches, ckptEvery, seed, out.isEmpty() ? null : Path.of(out), stride);
        int step = in.readInt();
        long position = in.readLong(), optimizerSteps = in.readLong();
        int n = in.readInt();
        List<Entry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            long[] shape = new long[in.readInt()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = in.readLong();
            }
            boolean frozen = in.readBoolean(), extension = in.readBoolean();
            int len = in.readInt();
            entries.add(new Entry(name, shape, frozen, extension, readFloats(in, len), readFloats(in, len),
                    readFloats(in, len)));
        }
        return new Checkpoint(model, train, step, position, optimizerSteps, entries);
    }

    private static void writeFloats(DataOutputStream out, float[] a) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 << 14).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < a.length; ) {
            int n = Math.min(a.length - i, b.capacity() / 4);
            b.clear();
            b.asFloatBuffer().put(a, i, n);
            out.write(b.array(), 0, n * 4);
            i += n;
        }
    }

    private static float[] readFloats(DataInputStream in, int len) throws IOException {
        if (len < 0) {
            throw new IOException("negative array length");
        }
        float[] a = new float[len];
        byte[] bytes = new byte[1 << 14];
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < len; ) {
            int n = Math.min(len - i, bytes.length / 4);
            in.readFully(bytes, 0, n * 4);
            b.clear();
            b.asFloatBuffer().get(a, i, n);
            i += n;
        }
        return a;
    }
}
