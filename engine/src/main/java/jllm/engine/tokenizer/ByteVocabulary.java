package jllm.engine.tokenizer;

import jllm.formats.tokenizer.SpecialTokenIds;
import jllm.formats.tokenizer.TokenType;
import jllm.formats.tokenizer.Vocabulary;
import jllm.formats.tokenizer.VocabularyType;

/**
 * The 256-token vocabulary of character-level (byte-level) models: token {@code b} is byte
 * {@code b}, written as GPT-2's byte-to-unicode character. As a byte-level BPE vocabulary with
 * no merges it encodes any text to its UTF-8 bytes and round-trips exactly, in jllm and in
 * llama.cpp alike.
 */
public final class ByteVocabulary {
    private ByteVocabulary() {}

    public static Vocabulary create() {
        String[] tokens = new String[256];
        TokenType[] types = new TokenType[256];
        for (int b = 0; b < 256; b++) {
            tokens[b] = String.valueOf(ByteLevel.charOf(b));
            types[b] = TokenType.NORMAL;
        }
        return new Vocabulary("bytes", VocabularyType.BPE, "gpt-2", tokens, new float[256], types, new String[0],
                SpecialTokenIds.EMPTY, false, false, false, "bytes");
    }
}
