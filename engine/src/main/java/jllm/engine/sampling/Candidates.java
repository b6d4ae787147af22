package jllm.engine.sampling;

import java.util.Arrays;

/**
 * The truncation stages of the sampler chain (top-k, then top-p, then min-p) over preallocated
 * buffers. Candidates are kept as packed keys that sort by descending logit, then ascending id,
 * so every stage keeps a prefix of one deterministic order.
 */
final class Candidates {

    private final long[] keys;
    private int size;

    Candidates(int vocabSize) {
        this.keys = new long[vocabSize];
    }

    int size() {
        return size;
    }

    int id(int index) {
        return (int) keys[index];
    }

    /**
     * Fills the candidates from {@code logits} after top-k, top-p and min-p, best first when the
     * order matters (top-p needs it; with no truncation at all the order is by id).
     */
    void select(float[] logits, int topK, float topP, float minP) {
        int vocab = logits.length;
        boolean useTopK = topK > 0 && topK < vocab;
        if (useTopK) {
            selectTopK(logits, topK);
            Arrays.sort(keys, 0, size);
            double norm = sumExp(logits, logits[id(0)]);
            applyTopP(logits, topP, norm);
            applyMinP(logits, minP);
            return;
        }
        float max = max(logits);
        if (topP >= 1f && minP <= 0f) {
            size = vocab;
            for (int id = 0; id < vocab; id++) {
                keys[id] = key(logits[id], id);
            }
            return;
        }
        double norm = topP < 1f ? sumExpAll(logits, max) : 0.0;
        float floor = minP > 0f ? max + (float) Math.log(minP) : Float.NEGATIVE_INFINITY;
        size = 0;
        for (int id = 0; id < vocab; id++) {
            if (logits[id] >= floor) {
                keys[size++] = key(logits[id], id);
            }
        }
        Arrays.sort(keys, 0, size);
        applyTopP(logits, topP, norm);
    }

    /** Keeps the {@code k} best keys (unsorted) with a bounded max-heap on the key order. */
    private void selectTopK(float[] logits, int k) {
        size = 0;
        for (int id = 0; id < logits.length; id++) {
            long key = key(logits[id], id);
            if (size < k) {
                keys[size] = key;
                siftUp(size++);
            } else if (key < keys[0]) {
                keys[0] = key;
                siftDown(k);
            }
        }
    }

    private void siftUp(int index) {
        long key = keys[index];
        while (index > 0) {
            int parent = (index - 1) >>> 1;
            if (keys[parent] >= key) {
                break;
            }
            keys[index] = keys[parent];
            index = parent;
        }
        keys[index] = key;
    }

    private void siftDown(int heapSize) {
        long key = keys[0];
        int index = 0;
        while (true) {
            int child = 2 * index + 1;
            if (child >= heapSize) {
                break;
            }
            if (child + 1 < heapSize && keys[child + 1] > keys[child]) {
                child++;
            }
            if (keys[child] <= key) {
                break;
            }
            keys[index] = keys[child];
            index = child;
        }
        keys[index] = key;
    }

    /** Keeps the shortest sorted prefix whose probability (over {@code norm}) reaches {@code p}. */
    private void applyTopP(float[] logits, float p, double norm) {
        if (p >= 1f || size <= 1) {
            return;
        }
        float max = logits[id(0)];
        double cumulative = 0.0;
        for (int i = 0; i < size; i++) {
            cumulative += Math.exp(logits[id(i)] - max) / norm;
            if (cumulative >= p) {
                size = i + 1;
                return;
            }
        }
    }

    /** Keeps the sorted prefix whose logits are within {@code log(p)} of the best. */
    private void applyMinP(float[] logits, float p) {
        if (p <= 0f || size <= 1) {
            return;
        }
        float floor = logits[id(0)] + (float) Math.log(p);
        int keep = 1;
        while (keep < size && logits[id(keep)] >= floor) {
            keep++;
        }
        size = keep;
    }

    private double sumExp(float[] logits, float max) {
        double sum = 0.0;
        for (int i = 0; i < size; i++) {
            sum += Math.exp(logits[id(i)] - max);
        }
        return sum;
    }

    private static double sumExpAll(float[] logits, float max) {
        double sum = 0.0;
        for (float logit : logits) {
            sum += Math.exp(logit - max);
        }
        return sum;
    }

    private static float max(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float logit : logits) {
            if (logit > max) {
                max = logit;
            }
        }
        return max;
    }

    /** Packs (logit, id) so that ascending long order is descending logit, then ascending id. */
    static long key(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int ascending = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~ascending << 32) | (id & 0xffffffffL);
    }
}
