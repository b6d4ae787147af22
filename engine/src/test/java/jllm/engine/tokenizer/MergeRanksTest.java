package jllm.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Merge ranks by text: as llama.cpp's bpe_ranks map of (left, right) split at the first space after the first character. */
class MergeRanksTest {
    @Test
    void findsEachMergeByItsTwoTextsAndTheLowestRankOfARepeat() {
        String longLeft = "x".repeat(70), longRight = "y".repeat(90);
        MergeRanks r = new MergeRanks(jllm.formats.TextTable.of("Ġ t", "h e", "Ġt he", "h e", "a b c", longLeft + " " + longRight, "  x"));
        assertThat(r.rank("Ġ", "t")).isEqualTo(0);
        assertThat(r.rank("h", "e")).isEqualTo(1);   // repeated at rank 3
        assertThat(r.rank("Ġt", "he")).isEqualTo(2);
        assertThat(r.rank("Ġth", "e")).isEqualTo(-1);
        assertThat(r.rank("e", "h")).isEqualTo(-1);
        assertThat(r.rank("a", "b c")).isEqualTo(4);
        assertThat(r.rank("a b", "c")).as("split at the first space").isEqualTo(-1);
        assertThat(r.rank(longLeft, longRight)).isEqualTo(5);
        assertThat(r.rank(" ", "x")).as("a space as the whole left part").isEqualTo(6);
        assertThat(r.rank("", " x")).isEqualTo(-1);
    }
}
