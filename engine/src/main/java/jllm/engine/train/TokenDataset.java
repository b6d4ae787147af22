package jllm.engine.train;

import java.util.Arrays;
import jllm.engine.tokenizer.Tokenizer;

/**
 * A token stream for language-model training, split by position into a training part (the first
 * {@code 1 - valFraction}) and a validation part (the rest), as nanoGPT splits tinyshakespeare.
 */
public final class TokenDataset {
    private final int[] tokens;
    private final int vocabSize;
    private final int split;

    /**
     * @param valFraction the share of the stream, taken from its end, kept for validation
     */
    public TokenDataset(int[] tokens, int vocabSize, double valFraction) {
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + valFraction);
        }
        for (int t : tokens) {
            if (t < 0 || t >= vocabSize) {
                throw new IllegalArgumentException("token " + t + " is outside the vocabulary (0.." + (vocabSize - 1) + ")");
            }
        }
        this.tokens = tokens;
        this.vocabSize = vocabSize;
        this.split = (int) (tokens.length * (1 - valFraction));
    }

    /** Raw bytes as tokens (vocabulary 256, the char-level setting), 90% / 10%. */
    public static TokenDataset bytes(byte[] data) {
        int[] t = new int[data.length];
        for (int i = 0; i < data.length; i++) {
            t[i] = data[i] & 0xff;
        }
        return new TokenDataset(t, 256, 0.1);
    }

    /** Text encoded with a tokenizer (no BOS/EOS added, control tokens not parsed), 90% / 10%. */
    public static TokenDataset encode(String text, Tokenizer tokenizer) {
        return new TokenDataset(tokenizer.encode(text, false, false), tokenizer.size(), 0.1);
    }

    public int vocabSize() { return vocabSize; }

    public int size() { return tokens.length; }

    /** The training part (a copy). */
    public int[] train() { return Arrays.copyOfRange(tokens, 0, split); }

    /** The validation part (a copy). */
    public int[] validation() { return Arrays.copyOfRange(tokens, split, tokens.length); }
}
