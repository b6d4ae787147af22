package jllm.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;
import jllm.formats.TextTable;
import jllm.formats.tokenizer.SpecialTokenIds;
import jllm.formats.tokenizer.TokenType;
import jllm.formats.tokenizer.Vocabulary;

/**
 * What both tokenizer kinds share: the token table with llama.cpp's type fix-ups, splitting out
 * special tokens, and turning tokens back into bytes.
 */
abstract class BaseTokenizer implements Tokenizer {
    /** Texts llama.cpp treats as end of generation and forces to control tokens. */
    static final Set<String> END_OF_GENERATION = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>",
            "<|call|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>",
            "<end_of_utterance>", "<｜end▁of▁sentence｜>");

    final Vocabulary vocab;
    /** Token texts by id: a file's are decoded as they are asked for. */
    final TextTable tokens;
    final TokenType[] types;
    /** Token text to id; where texts repeat, the last id wins, as in llama.cpp. */
    final TokenTextIndex index;
    final SpecialTokenSplitter splitter;
    private final boolean[] endOfGeneration;
    /** Each token's bytes, made when first asked for (a 128k vocabulary loads faster without them). */
    private final AtomicReferenceArray<byte[]> pieces;

    BaseTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.tokens = vocab.tokenTexts();
        int n = tokens.size();
        this.types = vocab.types().clone();
        this.index = new TokenTextIndex(tokens);
        endOfGeneration = new boolean[n];
        for (String text : END_OF_GENERATION) {   // by text to id, as llama.cpp (the last of repeated texts)
            int id = index.find(text, 0, text.length());
            if (id >= 0) {
                types[id] = TokenType.CONTROL;
                endOfGeneration[id] = true;
            }
        }
        SpecialTokenIds s = vocab.special();
        for (int id : new int[] {s.eos(), s.eot()}) {
            if (id != SpecialTokenIds.NONE) {
                endOfGeneration[id] = true;
            }
        }
        this.splitter = new SpecialTokenSplitter(tokens, types, vocab.modelName());
        this.pieces = new AtomicReferenceArray<>(n);
    }

    /** The id of the token with this text, or -1. */
    final int id(String text) {
        return index.find(text, 0, text.length());
    }

    private byte[] piece(int id) {
        byte[] p = pieces.get(id);
        if (p == null) {
            p = switch (types[id]) {
                case NORMAL -> normalPiece(tokens.get(id));
                case BYTE -> bytePiece(tokens.get(id));
                case USER_DEFINED, CONTROL, UNKNOWN -> tokens.get(id).getBytes(StandardCharsets.UTF_8);
                case UNUSED, UNDEFINED -> new byte[0];
            };
            pieces.set(id, p);   // racing threads make equal arrays; either may stay
        }
        return p;
    }

    /** The bytes of a normal token. */
    abstract byte[] normalPiece(String text);

    /** The bytes of a byte token; empty where the kind has none. */
    abstract byte[] bytePiece(String text);

    /** Whether decoding drops the space SentencePiece puts before the text. */
    abstract boolean stripsLeadingSpace();

    /** Tokenizes one fragment of plain text. {@code afterSpecial}: at the start or right after a special token. */
    abstract void encodeText(String text, boolean afterSpecial, IntList out);

    @Override
    public Vocabulary vocabulary() { return vocab; }

    @Override
    public TokenType type(int id) {
        checkId(id);
        return types[id];
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return id >= 0 && id < endOfGeneration.length && endOfGeneration[id];
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        String clean = withoutLoneSurrogates(text);
        IntList out = new IntList(Math.max(16, clean.length() / 3));
        SpecialTokenIds s = vocab.special();
        if (addSpecial && vocab.addBos() && s.bos() != SpecialTokenIds.NONE) {
            out.add(s.bos());
        }
        if (!clean.isEmpty()) {
            List<SpecialTokenSplitter.Fragment> frags = splitter.split(clean, parseSpecial);
            boolean afterSpecial = true;
            for (SpecialTokenSplitter.Fragment f : frags) {
                if (f.isText()) {
                    encodeText(clean.substring(f.start(), f.end()), afterSpecial, out);
                    afterSpecial = false;
                } else {
                    out.add(f.token());
                    afterSpecial = true;
                }
            }
        }
        if (addSpecial && vocab.addEos() && s.eos() != SpecialTokenIds.NONE) {
            out.add(s.eos());
        }
        return out.toArray();
    }

    @Override
    public byte[] tokenBytes(int id, boolean special) {
        checkId(id);
        if (!special && (types[id] == TokenType.CONTROL || types[id] == TokenType.UNKNOWN)) {
            return new byte[0];
        }
        return piece(id).clone();
    }

    @Override
    public StreamingDecoder newDecoder(boolean special) {
        return new StreamingDecoder(this, special, stripsLeadingSpace());
    }

    /** Text with unpaired surrogates (which UTF-8 cannot hold) replaced by U+FFFD. */
    static String withoutLoneSurrogates(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean lone = Character.isHighSurrogate(c)
                    ? i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))
                    : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
            if (lone && sb == null) {
                sb = new StringBuilder(s.substring(0, i));
            }
            if (sb != null) {
                sb.append(lone ? '\uFFFD' : c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + vocab + "]";
    }
}
