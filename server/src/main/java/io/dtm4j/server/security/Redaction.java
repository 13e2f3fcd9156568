package io.dtm4j.server.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Hides the values of branch headers that look like credentials ({@code Authorization}, cookies,
 * tokens, keys, secrets, passwords) in what the console shows (docs/security.md#secrets); dtm's own
 * {@code query} answers stay as stored, for the SDKs.
 */
public final class Redaction {
    public static final String HIDDEN = "***";
    private static final Pattern SECRET =
            Pattern.compile("authorization|cookie|token|secret|password|passwd|api[-_]?key|credential");

    private Redaction() {}

    /** Whether a header of this name carries a credential. */
    public static boolean isSecret(String headerName) {
        return SECRET.matcher(headerName.toLowerCase(Locale.ROOT)).find();
    }

    /**
     * Replaces, in the {@code options} text of a transaction's JSON {@code transaction}, the values of
     * secret branch headers with {@value #HIDDEN}; options that are not JSON are left as they are.
     */
    public static void branchHeaders(ObjectNode transaction, ObjectMapper json) {
        JsonNode text = transaction.get("options");
        if (text == null || !text.isTextual()) {
            return;
        }
        try {
            JsonNode options = json.readTree(text.asText());
            if (options != null && options.path("branch_headers") instanceof ObjectNode headers) {
                headers.properties().forEach(e -> {
                    if (isSecret(e.getKey())) {
                        e.setValue(json.getNodeFactory().textNode(HIDDEN));
                    }
                });
                transaction.put("options", json.writeValueAsString(options));
            }
        } catch (java.io.IOException e) {
            // not JSON: nothing to hide in a structure we cannot read
        }
    }
}
