package jllm.engine.train;

import java.util.SplittableRandom;

/**
 * Batches of sliding windows over a token stream: window i starts at {@code i * stride} and has
 * {@code ctx} inputs, its targets being the next {@code ctx} tokens (inputs shifted by one).
 * Windows are visited in a fresh seeded permutation each epoch (or in order when not shuffled).
 * {@link #position()} counts windows handed out; {@link #seek} returns to any position, so a
 * resumed run sees exactly the batches it would have seen.
 */
public final class WindowSampler {
    private final int[] stream;
    private final int ctx, stride, windows;
    private final boolean shuffle;
    private final long seed;
    private int[] order;
    private long epochOfOrder = -1;
    private long position;

    public WindowSampler(int[] stream, int ctx, int stride, boolean shuffle, long seed) {
        if (ctx < 1 || stride < 1) {
            throw new IllegalArgumentException("ctx and stride must be positive");
        }
        if (stream.length < ctx + 1) {
            throw new IllegalArgumentException("the data (" + stream.length + " tokens) is shorter than one window of "
                    + (ctx + 1) + " tokens");
        }
        this.stream = stream;
        this.ctx = ctx;
        this.stride = stride;
        this.windows = (stream.length - ctx - 1) / stride + 1;
        this.shuffle = shuffle;
        this.seed = seed;
    }

    /** Windows per epoch. */
    public int windows() { return windows; }

    /** Windows handed out so far. */
    public long position() { return position; }

    public void seek(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("negative position");
        }
        this.position = position;
    }

    /** Fills {@code batch} windows (row-major, {@code batch x ctx}) of inputs and targets. */
    public void next(int[] inputs, int[] targets, int batch) {
        for (int b = 0; b < batch; b++) {
            long epoch = position / windows;
            int index = (int) (position % windows);
            int w = shuffle ? order(epoch)[index] : index;
            int start = w * stride;
            System.arraycopy(stream, start, inputs, b * ctx, ctx);
            System.arraycopy(stream, start + 1, targets, b * ctx, ctx);
            position++;
        }
    }

    private int[] order(long epoch) {
        if (epoch != epochOfOrder) {
            if (order == null) {
                order = new int[windows];
            }
            for (int i = 0; i < windows; i++) {
                order[i] = i;
            }
            SplittableRandom rng = new SplittableRandom(Dropout.mix(seed) ^ Dropout.mix(epoch + 1));
            for (int i = windows - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
            epochOfOrder = epoch;
        }
        return order;
    }
}
