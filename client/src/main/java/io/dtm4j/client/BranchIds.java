package io.dtm4j.client;

import java.util.Objects;

/**
 * Hands out the ids of the sub-branches of one transaction object (TCC, XA, workflow): the parent
 * id followed by a two-digit counter from {@code 01}. The application's own transaction has the
 * empty parent, so its branches are {@code 01}, {@code 02}…; a nested TCC opened in the try of
 * branch {@code 02} has parent {@code 02} and makes {@code 0201}, {@code 0202}…. Thread-safe.
 */
public final class BranchIds {
    /** At most this many sub-branches per parent: the counter has two digits. */
    public static final int MAX_SUB_BRANCHES = 99;

    /** A parent id this long or longer is refused, as dtm does, so nesting stays shallow. */
    public static final int MAX_PARENT_LENGTH = 20;

    private final String parentId;
    private int issued;

    /** A generator of the sub-branches of {@code parentId} ({@code ""} for the application's transaction). */
    public BranchIds(String parentId) {
        this.parentId = Objects.requireNonNull(parentId, "parentId");
    }

    /** The parent id this generator appends to. */
    public String parentId() {
        return parentId;
    }

    /**
     * Returns the next sub-branch id, e.g. {@code 01} or {@code 0201}.
     *
     * @throws IllegalStateException once {@value #MAX_SUB_BRANCHES} ids were issued, or when the parent
     *     id has {@value #MAX_PARENT_LENGTH} or more characters
     */
    public synchronized String next() {
        if (issued >= MAX_SUB_BRANCHES) {
            throw new IllegalStateException("branch '" + parentId + "' already has " + MAX_SUB_BRANCHES
                    + " sub-branches, the most a two-digit id allows");
        }
        if (parentId.length() >= MAX_PARENT_LENGTH) {
            throw new IllegalStateException("branch id '" + parentId + "' is " + parentId.length()
                    + " characters long; sub-branches need a parent shorter than " + MAX_PARENT_LENGTH);
        }
        issued++;
        return parentId + "%02d".formatted(issued);
    }
}
