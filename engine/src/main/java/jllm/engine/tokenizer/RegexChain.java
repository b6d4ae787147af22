package jllm.engine.tokenizer;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Several splitters applied one after another, each to every piece the previous ones produced
 * (llama.cpp's list of regexes). A regex step cuts a piece at the edges of each match and keeps the
 * text between matches as pieces too.
 */
final class RegexChain implements PreTokenizer {
    private final List<PreTokenizer> steps;

    RegexChain(List<PreTokenizer> steps) {
        this.steps = List.copyOf(steps);
    }

    /** A step that splits at the matches of {@code p} (which must work on code point text). */
    static PreTokenizer step(Pattern p) {
        return (cps, from, to, ends) -> {
            String s = new String(cps, from, to - from);
            Matcher m = p.matcher(s);
            int last = 0;
            while (m.find()) {
                if (m.end() == m.start()) {
                    continue;
                }
                if (m.start() > last) {
                    ends.add(from + s.codePointCount(0, m.start()));
                }
                ends.add(from + s.codePointCount(0, m.end()));
                last = m.end();
            }
            if (last < s.length()) {
                ends.add(to);
            }
        };
    }

    @Override
    public void split(int[] cps, int from, int to, IntList ends) {
        IntList current = new IntList();
        current.add(to);
        for (PreTokenizer step : steps) {
            IntList next = new IntList(current.size() * 2);
            int start = from;
            for (int i = 0; i < current.size(); i++) {
                int end = current.get(i);
                step.split(cps, start, end, next);
                start = end;
            }
            current = next;
        }
        for (int i = 0; i < current.size(); i++) {
            ends.add(current.get(i));
        }
    }
}
