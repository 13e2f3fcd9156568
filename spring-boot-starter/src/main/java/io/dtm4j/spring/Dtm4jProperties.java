package io.dtm4j.spring;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code dtm4j.*} settings of the auto-configured {@link io.dtm4j.client.DtmClient}, barrier and
 * workflow registry.
 */
@ConfigurationProperties("dtm4j")
public class Dtm4jProperties {
    /** The server's HTTP API, e.g. http://localhost:36789/api/dtmsvr. Ignored when grpc-target is set. */
    private String server = "http://localhost:36789/api/dtmsvr";

    /**
     * The server's gRPC API instead of its HTTP API: host:port, dns:///host:port,
     * etcd://host:port/key (or discov://) or direct:///h1:p1,h2:p2. Empty = HTTP.
     */
    private String grpcTarget = "";

    /** How long each call to the server (and each branch call the client makes itself) may take. */
    private Duration timeout = Duration.ofSeconds(10);

    /** A token sent to the server as "Authorization: Bearer" (servers with ApiTokens). Empty = none. */
    private String bearerToken = "";

    /** Headers every global transaction asks the server to send with each branch call. */
    private Map<String, String> branchHeaders = new LinkedHashMap<>();

    private final Barrier barrier = new Barrier();

    private final Workflow workflow = new Workflow();

    public String getServer() {
        return server;
    }

    public void setServer(String server) {
        this.server = server;
    }

    public String getGrpcTarget() {
        return grpcTarget;
    }

    public void setGrpcTarget(String grpcTarget) {
        this.grpcTarget = grpcTarget;
    }

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    public String getBearerToken() {
        return bearerToken;
    }

    public void setBearerToken(String bearerToken) {
        this.bearerToken = bearerToken;
    }

    public Map<String, String> getBranchHeaders() {
        return branchHeaders;
    }

    public void setBranchHeaders(Map<String, String> branchHeaders) {
        this.branchHeaders = branchHeaders;
    }

    public Barrier getBarrier() {
        return barrier;
    }

    public Workflow getWorkflow() {
        return workflow;
    }

    /** The sub-transaction barrier in the application's DataSource. */
    public static class Barrier {
        /** The barrier table: name or schema.name (dtm's default dtm_barrier.barrier). */
        private String table = "dtm_barrier.barrier";

        /** Whether to create the barrier table (and its schema) at start when it is missing. */
        private boolean createTable = false;

        public String getTable() {
            return table;
        }

        public void setTable(String table) {
            this.table = table;
        }

        public boolean isCreateTable() {
            return createTable;
        }

        public void setCreateTable(boolean createTable) {
            this.createTable = createTable;
        }
    }

    /** The workflow registry (HTTP servers only). */
    public static class Workflow {
        /**
         * The absolute URL of this application's resume endpoint, which the server calls to resume
         * unfinished workflows; when set, a Workflows bean is created.
         */
        private String callbackUrl = "";

        public String getCallbackUrl() {
            return callbackUrl;
        }

        public void setCallbackUrl(String callbackUrl) {
            this.callbackUrl = callbackUrl;
        }
    }
}
