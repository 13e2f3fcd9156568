package io.dtm4j.client.workflow;

/**
 * What the application's resume endpoint answers the server, as computed by {@link
 * Workflows#resume}: an HTTP status and a JSON body (see {@link io.dtm4j.client.HttpResults}).
 *
 * @param status 200, 409 (the workflow failed), 425 (ongoing) or 500 (not finished yet)
 * @param body the JSON body
 */
public record ResumeReply(int status, String body) {}
