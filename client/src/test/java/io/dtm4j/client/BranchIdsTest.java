package io.dtm4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Sub-branch ids: docs/protocol.md §7 (BranchIDGen). */
class BranchIdsTest {

    @Test
    void idsAreTheParentFollowedByATwoDigitCounterFromOne() {
        BranchIds top = new BranchIds("");
        BranchIds nested = new BranchIds("02");

        assertThat(top.next()).isEqualTo("01");
        assertThat(top.next()).isEqualTo("02");
        assertThat(nested.next()).isEqualTo("0201");
        assertThat(nested.next()).isEqualTo("0202");
    }

    @Test
    void theHundredthSubBranchIsRefused() {
        BranchIds ids = new BranchIds("03");
        String last = IntStream.range(0, 99)
                .mapToObj(i -> ids.next())
                .reduce((a, b) -> b)
                .orElseThrow();

        assertThat(last).isEqualTo("0399");
        assertThatThrownBy(ids::next)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("branch '03' already has 99 sub-branches, the most a two-digit id allows");
    }

    @Test
    void aParentOfTwentyCharactersCannotHaveSubBranches() {
        assertThat(new BranchIds("0102030405060708091").next()).isEqualTo("010203040506070809101");
        assertThatThrownBy(() -> new BranchIds("01020304050607080910").next())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is 20 characters long");
    }
}
