package jllm.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import jllm.formats.FormatException;
import org.junit.jupiter.api.Test;

class PreTokenizerTest {

    static List<String> split(PreTokenizer p, String s) {
        int[] cps = s.codePoints().toArray();
        IntList ends = new IntList();
        p.split(cps, 0, cps.length, ends);
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < ends.size(); i++) {
            out.add(new String(cps, start, ends.get(i) - start));
            start = ends.get(i);
        }
        return out;
    }

    @Test
    void gpt2KeepsTheLastSpaceOfARunForTheNextWord() {
        PreTokenizer p = PreTokenizer.forName("gpt-2", "test");
        assertThat(split(p, "Hello   world")).containsExactly("Hello", "  ", " world");
        assertThat(split(p, "a\n\nb")).containsExactly("a", "\n", "\n", "b");
        assertThat(split(p, "x  ")).containsExactly("x", "  ");
        assertThat(split(p, "it's we'll 'x")).containsExactly("it", "'s", " we", "'ll", " '", "x");
        assertThat(split(p, "(hi)!!")).containsExactly("(", "hi", ")!!");
    }

    @Test
    void categoriesCoverAllOfUnicode() {
        PreTokenizer p = PreTokenizer.forName("gpt-2", "test");
        // Latin with diacritics and CJK are letters, Arabic-Indic digits numbers, NBSP whitespace.
        assertThat(split(p, "Ünïcödé 123 ٣٤٥ 你好\u00A0x 𝔘𝔫"))
                .containsExactly("Ünïcödé", " 123", " ٣٤٥", " 你好", "\u00A0", "x", " 𝔘𝔫");
        assertThat(split(p, "🦙🦙 ok")).containsExactly("🦙🦙", " ok");
    }

    @Test
    void llama3GroupsDigitsByThreeAndMatchesContractionsInAnyCase() {
        PreTokenizer p = PreTokenizer.forName("llama-bpe", "test");
        assertThat(split(p, "1234567")).containsExactly("123", "456", "7");
        assertThat(split(p, "IT'S ok")).containsExactly("IT", "'S", " ok");
        assertThat(split(p, "a  \n\n  b")).containsExactly("a", "  \n\n", " ", " b");
        assertThat(split(p, "x...\n\ny")).containsExactly("x", "...\n\n", "y");
        assertThat(split(p, "\tword")).containsExactly("\tword");
        assertThat(p.ignoreMerges()).isTrue();
    }

    @Test
    void qwen2TakesOneDigitAtATime() {
        PreTokenizer p = PreTokenizer.forName("qwen2", "test");
        assertThat(split(p, "ab 1234")).containsExactly("ab", " ", "1", "2", "3", "4");
        assertThat(p.ignoreMerges()).isFalse();
    }

    @Test
    void defaultChainsFourRegexes() {
        PreTokenizer p = PreTokenizer.forName("default", "test");
        assertThat(split(p, "Hi, 12345!")).containsExactly("Hi", ",", " ", "123", "45", "!");
    }

    @Test
    void unknownNamesAreRejectedWithTheKey() {
        assertThatThrownBy(() -> PreTokenizer.forName("no-such-pre", "m.gguf"))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("m.gguf").hasMessageContaining("tokenizer.ggml.pre").hasMessageContaining("no-such-pre");
    }
}
