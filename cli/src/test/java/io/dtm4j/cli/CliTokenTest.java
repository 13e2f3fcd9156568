package io.dtm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The token goes to the server as {@code Authorization: Bearer <token>} on every request, and is
 * never printed, whatever happens. The server here is a stub that records the header and answers as
 * told.
 */
class CliTokenTest {
    static final String TOKEN = "s3cr3t-T0ken";

    HttpServer stub;
    /** The Authorization header of each request, "" when absent. */
    final List<String> authorizations = new CopyOnWriteArrayList<>();

    volatile int status = 200;
    volatile String answer = "{\"transactions\":[],\"next_position\":\"\"}";

    @BeforeEach
    void start() throws IOException {
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        stub.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            authorizations.add(auth == null ? "" : auth);
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, body.length);
            try (var out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        stub.start();
    }

    @AfterEach
    void stop() {
        if (stub != null) {
            stub.stop(0);
        }
    }

    String url() {
        return "http://127.0.0.1:" + stub.getAddress().getPort();
    }

    static void assertNotPrinted(CliRunner.Result r) {
        assertThat(r.out()).doesNotContain(TOKEN);
        assertThat(r.err()).doesNotContain(TOKEN);
    }

    @Test
    void theTokenIsSentAsABearerHeaderFromTheOptionOrTheEnvironment() {
        CliRunner.Result option = new CliRunner(url()).run("--token", TOKEN, "list");
        assertThat(option.exit()).as(option.toString()).isZero();
        assertThat(authorizations).containsExactly("Bearer " + TOKEN);
        assertNotPrinted(option);

        authorizations.clear();
        CliRunner.Result env = new CliRunner(url()).env("DTM4J_TOKEN", TOKEN).run("list", "--json");
        assertThat(env.exit()).isZero();
        assertThat(authorizations).containsExactly("Bearer " + TOKEN);

        authorizations.clear();
        new CliRunner(url()).env("DTM4J_TOKEN", "from-env").run("list", "--token=" + TOKEN);
        assertThat(authorizations).containsExactly("Bearer " + TOKEN); // the option wins

        authorizations.clear();
        new CliRunner(url()).run("list");
        assertThat(authorizations).containsExactly(""); // no token, no header
    }

    @Test
    void everyRequestOfACommandCarriesIt() {
        answer = "{\"dtm_result\":\"SUCCESS\"}";
        CliRunner.Result r = new CliRunner(url()).env("DTM4J_TOKEN", TOKEN).run("retry", "g1", "g2", "g3");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(authorizations).hasSize(3).containsOnly("Bearer " + TOKEN);
        assertNotPrinted(r);
    }

    @Test
    void aRefusalShowsTheServersMessageButNeverTheToken() {
        status = 401;
        answer = "{\"message\":\"missing or wrong token\"}";
        CliRunner.Result r = new CliRunner(url()).env("DTM4J_TOKEN", TOKEN).run("list");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err())
                .isEqualTo("dtm4j-cli: the server refused the credentials (HTTP 401; check --token or DTM4J_TOKEN):"
                        + " missing or wrong token\n");
        assertNotPrinted(r);

        status = 500;
        answer = "not json at all";
        CliRunner.Result plain = new CliRunner(url()).run("--token", TOKEN, "show", "g1");
        assertThat(plain.exit()).isEqualTo(1);
        assertThat(plain.err()).isEqualTo("dtm4j-cli: the server failed (HTTP 500): not json at all\n");
        assertNotPrinted(plain);
    }

    @Test
    void anUnreachableServerOrABadTokenNeverPrintsIt() {
        String url = url();
        stub.stop(0);
        stub = null;
        CliRunner.Result down = new CliRunner(url).run("--token", TOKEN, "list");
        assertThat(down.exit()).isEqualTo(3);
        assertNotPrinted(down);

        CliRunner.Result badToken = new CliRunner(url).run("--token", TOKEN + " with spaces", "list");
        assertThat(badToken.exit()).isEqualTo(2);
        assertThat(badToken.err()).startsWith("dtm4j-cli: the token must be printable ASCII without spaces\n");
        assertNotPrinted(badToken);
    }
}
