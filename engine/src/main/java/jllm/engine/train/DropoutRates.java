package jllm.engine.train;

/** Drop probabilities of the three dropout sites (nanoGPT's): embeddings, attention probabilities, residual branches. */
public record DropoutRates(float embedding, float attention, float residual) {
    public static final DropoutRates NONE = new DropoutRates(0f, 0f, 0f);

    public DropoutRates {
        for (float p : new float[] {embedding, attention, residual}) {
            if (!(p >= 0f && p < 1f)) {
                throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
            }
        }
    }

    /** The same probability everywhere. */
    public static DropoutRates all(float p) {
        return new DropoutRates(p, p, p);
    }
}
