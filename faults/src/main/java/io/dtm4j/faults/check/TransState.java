package io.dtm4j.faults.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * A global transaction as the server answers {@code query}: its status, when it finished, and its
 * branch rows; or absent.
 */
record TransState(String status, long finishMillis, List<Branch> branches, String raw) {
    static final TransState ABSENT = new TransState("absent", 0, List.of(), "");

    record Branch(String branchId, String op, String status) {}

    static TransState of(JsonNode query) {
        JsonNode t = query.path("transaction");
        if (t.isNull() || t.isMissingNode()) {
            return ABSENT;
        }
        List<Branch> branches = new ArrayList<>();
        for (JsonNode b : query.path("branches")) {
            branches.add(new Branch(
                    b.path("branch_id").asText(),
                    b.path("op").asText(),
                    b.path("status").asText()));
        }
        // finish_time is set on succeed, rollback_time on failed
        long finishMillis = Math.max(millis(t.path("finish_time")), millis(t.path("rollback_time")));
        return new TransState(t.path("status").asText(), finishMillis, branches, query.toString());
    }

    private static long millis(JsonNode time) {
        String text = time.asText("");
        return text.isEmpty() ? 0 : OffsetDateTime.parse(text).toInstant().toEpochMilli();
    }

    boolean absent() {
        return this == ABSENT || status.equals("absent");
    }

    boolean finished() {
        return status.equals("succeed") || status.equals("failed");
    }
}
