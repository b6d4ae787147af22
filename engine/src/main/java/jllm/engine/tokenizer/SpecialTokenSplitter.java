package jllm.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import jllm.formats.TextTable;
import jllm.formats.tokenizer.TokenType;

/**
 * Cuts special tokens out of text before the text is tokenized (llama.cpp's
 * {@code tokenizer_st_partition}): longest token text first, each occurrence left to right. Control
 * and unknown tokens are matched only with parse-special; user-defined tokens always.
 */
final class SpecialTokenSplitter {

    /** A piece of the input: a token matched as a whole ({@code token >= 0}) or text {@code [start, end)}. */
    record Fragment(int token, int start, int end) {
        boolean isText() { return token < 0; }
    }

    private final TextTable texts;
    private final int[] all;          // control, user-defined, unknown; longest first
    private final int[] userDefined;  // the subset matched without parse-special
    private final boolean[] lstrip;
    private final boolean[] rstrip;

    SpecialTokenSplitter(TextTable tokens, TokenType[] types, String modelName) {
        this.texts = tokens;
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            if (types[i].isSpecial() && !tokens.get(i).isEmpty()) {
                ids.add(i);
            }
        }
        ids.sort(Comparator.comparingInt((Integer i) -> -tokens.get(i).getBytes(StandardCharsets.UTF_8).length)
                .thenComparingInt(i -> i));
        all = ids.stream().mapToInt(Integer::intValue).toArray();
        userDefined = ids.stream().filter(i -> types[i] == TokenType.USER_DEFINED).mapToInt(Integer::intValue).toArray();
        lstrip = new boolean[tokens.size()];
        rstrip = new boolean[tokens.size()];
        String name = modelName.toLowerCase(Locale.ROOT);
        if (name.contains("phi-3") || name.contains("phi3")) {
            // llama.cpp: Phi-3's special tokens swallow the whitespace after them, except these.
            for (int id : all) {
                rstrip[id] = true;
            }
            for (int i = 0; i < tokens.size(); i++) {
                switch (tokens.get(i)) {
                    case "</s>" -> rstrip[i] = true;
                    case "<unk>", "<s>", "<|endoftext|>" -> rstrip[i] = false;
                    default -> { }
                }
            }
        }
    }

    /** Splits {@code text} into fragments, in order. */
    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> frags = new ArrayList<>();
        frags.add(new Fragment(-1, 0, text.length()));
        for (int id : parseSpecial ? all : userDefined) {
            String t = texts.get(id);
            List<Fragment> out = null;
            for (int f = 0; f < frags.size(); f++) {
                Fragment fr = frags.get(f);
                int at = fr.isText() ? indexOf(text, t, fr.start, fr.end) : -1;
                if (at < 0) {
                    if (out != null) {
                        out.add(fr);
                    }
                    continue;
                }
                if (out == null) {
                    out = new ArrayList<>(frags.subList(0, f));
                }
                int start = fr.start;
                int end = fr.end;
                while (at >= 0) {
                    int leftEnd = at;
                    if (lstrip[id]) {
                        while (leftEnd > start && isSpace(text.charAt(leftEnd - 1))) {
                            leftEnd--;
                        }
                    }
                    if (leftEnd > start) {
                        out.add(new Fragment(-1, start, leftEnd));
                    }
                    out.add(new Fragment(id, at, at + t.length()));
                    start = at + t.length();
                    if (rstrip[id]) {
                        while (start < end && isSpace(text.charAt(start))) {
                            start++;
                        }
                    }
                    at = indexOf(text, t, start, end);
                }
                if (start < end) {
                    out.add(new Fragment(-1, start, end));
                }
            }
            if (out != null) {
                frags = out;
            }
        }
        return frags;
    }

    private static int indexOf(String text, String t, int from, int to) {
        return from >= to ? -1 : text.indexOf(t, from, to);
    }

    /** C's isspace in the "C" locale. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
