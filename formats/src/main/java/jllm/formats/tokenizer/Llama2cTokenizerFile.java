package jllm.formats.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jllm.formats.FormatException;

/**
 * Reads a llama2.c {@code tokenizer.bin}: an int32 {@code max_token_length}, then per token a
 * float32 score, an int32 byte length and the UTF-8 bytes, all little-endian, up to the end of the
 * file. The result is the SentencePiece vocabulary llama.cpp's {@code convert-llama2c-to-ggml}
 * makes of it: ids 0/1/2 become {@code <unk>}/{@code <s>}/{@code </s>} (unknown, control, control),
 * empty pieces control, {@code <0xNN>} pieces byte tokens, spaces become {@code ▁}; BOS is added.
 */
public final class Llama2cTokenizerFile {
    /** No real tokenizer has pieces longer than this; a larger value means the file is something else. */
    static final int MAX_PIECE_BYTES = 1 << 16;

    private Llama2cTokenizerFile() {}

    /** Reads the file; every token up to its end. */
    public static Vocabulary read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        return parse(ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN), file.toString());
    }

    static Vocabulary parse(ByteBuffer in, String source) {
        if (in.remaining() < 4) {
            throw new FormatException(source, "max_token_length", 0, "file of " + in.remaining()
                    + " bytes is too short for a llama2.c tokenizer");
        }
        int maxLen = in.getInt();
        if (maxLen <= 0 || maxLen > MAX_PIECE_BYTES) {
            throw new FormatException(source, "max_token_length", 0, "value " + maxLen
                    + " is not a plausible piece length (1.." + MAX_PIECE_BYTES + "); not a llama2.c tokenizer.bin?");
        }
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (in.hasRemaining()) {
            int i = pieces.size();
            long at = in.position();
            if (in.remaining() < 8) {
                throw new FormatException(source, "tokens[" + i + "]", at, "file ends inside the token header (truncated?)");
            }
            float score = in.getFloat();
            int len = in.getInt();
            if (len < 0 || len > maxLen || len > in.remaining()) {
                throw new FormatException(source, "tokens[" + i + "].len", at + 4, "length " + len
                        + " is negative, above max_token_length " + maxLen + " or beyond the end of the file");
            }
            byte[] b = new byte[len];
            in.get(b);
            pieces.add(new String(b, StandardCharsets.UTF_8));
            scores.add(score);
        }
        if (pieces.size() < 3) {
            throw new FormatException(source, "tokens", -1, "has " + pieces.size()
                    + " tokens; a llama2.c vocabulary starts with <unk>, <s>, </s>");
        }
        int n = pieces.size();
        String[] tokens = new String[n];
        float[] sc = new float[n];
        TokenType[] types = new TokenType[n];
        for (int i = 0; i < n; i++) {
            String text = pieces.get(i);
            sc[i] = scores.get(i);
            types[i] = TokenType.NORMAL;
            if (i == 0) {
                text = "<unk>";
                types[i] = TokenType.UNKNOWN;
            } else if (i == 1) {
                text = "<s>";
                types[i] = TokenType.CONTROL;
            } else if (i == 2) {
                text = "</s>";
                types[i] = TokenType.CONTROL;
            } else if (text.isEmpty()) {
                types[i] = TokenType.CONTROL;
            } else if (isByteToken(text)) {
                types[i] = TokenType.BYTE;
            }
            tokens[i] = text.replace(' ', '\u2581');
        }
        SpecialTokenIds ids = new SpecialTokenIds(1, 2, SpecialTokenIds.NONE, 0, SpecialTokenIds.NONE,
                SpecialTokenIds.NONE, SpecialTokenIds.NONE);
        return new Vocabulary(source, VocabularyType.SPM, Vocabulary.DEFAULT_PRE, tokens, sc, types, new String[0],
                ids, true, false, true, "llama");
    }

    /** {@code <0xNN>} with two hex digits, as sscanf("<0x%02hhX>") accepts it. */
    static boolean isByteToken(String s) {
        return s.length() == 6 && s.startsWith("<0x") && s.charAt(5) == '>'
                && Character.digit(s.charAt(3), 16) >= 0 && Character.digit(s.charAt(4), 16) >= 0;
    }
}
