package io.dtm4j.interop;

import io.dtm4j.server.testing.TestServer;
import java.net.URI;
import pub.dtm.client.DtmClient;

/** Builds dtmcli-java's client for a server whose port is only known at run time. */
final class OfficialClient {
    private OfficialClient() {}

    /**
     * Returns a {@link DtmClient} talking to {@code server}. dtmcli-java's constructor without
     * arguments reads {@code dtm-conf.properties} from the class path (or asks nacos); the one
     * taking {@code host:port} needs neither, so no configuration file is shipped.
     */
    static DtmClient connect(TestServer server) {
        URI base = URI.create(server.baseUrl());
        return new DtmClient(base.getHost() + ":" + base.getPort());
    }
}
