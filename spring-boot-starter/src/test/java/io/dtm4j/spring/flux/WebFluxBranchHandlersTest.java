package io.dtm4j.spring.flux;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Branch handlers in a WebFlux application: the identity argument and dtm's statuses. */
@SpringBootTest(
        classes = FluxApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.main.web-application-type=reactive",
            "spring.autoconfigure.exclude=org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration"
        })
class WebFluxBranchHandlersTest {
    private static final String IDENTITY = "?gid=g1&trans_type=saga&branch_id=01&op=action";

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> post(String pathAndQuery) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theIdentityComesFromTheQuery() throws Exception {
        HttpResponse<String> r = post("/identity" + IDENTITY);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("saga g1 01 action");
    }

    @Test
    void aFailureIsAnswered409() throws Exception {
        HttpResponse<String> r = post("/failure" + IDENTITY);

        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).contains("FAILURE").contains("refused g1");
    }

    @Test
    void ongoingIsAnswered425() throws Exception {
        HttpResponse<String> r = post("/ongoing" + IDENTITY);

        assertThat(r.statusCode()).isEqualTo(425);
        assertThat(r.body()).contains("ONGOING");
    }

    @Test
    void otherErrorsAreAnswered500() throws Exception {
        HttpResponse<String> r = post("/error" + IDENTITY);

        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).contains("broken").doesNotContain("FAILURE");
    }

    @Test
    void aCallWithoutIdentityIsAnswered400() throws Exception {
        HttpResponse<String> r = post("/identity?gid=g1");

        assertThat(r.statusCode()).isEqualTo(400);
    }

    @Test
    void otherHandlersKeepSpringsErrorHandling() throws Exception {
        HttpResponse<String> r = post("/plain" + IDENTITY);

        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).doesNotContain("dtm_result");
    }
}
