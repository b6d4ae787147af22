package jllm.engine.chat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites template source where Jinjava's parser disagrees with Jinja2's, before parsing.
 * Today one rule: Jinja2 binds {@code is} tests tighter than {@code not}, so
 * {@code not x is defined} means {@code not (x is defined)}; Jinjava would negate {@code x}
 * first. The rewrite adds the parentheses, inside {@code {% %}} and {@code {{ }}} only.
 */
final class JinjaCompat {

    private static final Pattern TAG = Pattern.compile("\\{[%{].*?[%}]\\}", Pattern.DOTALL);
    private static final Pattern NOT_IS = Pattern.compile(
            "\\bnot\\s+([A-Za-z_]\\w*(?:\\.\\w+|\\[[^\\[\\]]*\\])*)\\s+is\\s+(not\\s+)?([A-Za-z_]\\w*)\\b");

    private JinjaCompat() {
    }

    static String rewrite(String template) {
        Matcher tags = TAG.matcher(template);
        StringBuilder out = new StringBuilder(template.length() + 16);
        while (tags.find()) {
            String tag = tags.group();
            String fixed = NOT_IS.matcher(tag).replaceAll(m -> Matcher.quoteReplacement(
                    "not (" + m.group(1) + " is " + (m.group(2) == null ? "" : "not ") + m.group(3) + ")"));
            tags.appendReplacement(out, Matcher.quoteReplacement(fixed));
        }
        tags.appendTail(out);
        return out.toString();
    }
}
