import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A tiny business service for the getting-started guide: every endpoint prints the call and
 * answers SUCCESS, except TransIn when started with "fail" (then it answers 409 FAILURE).
 * Run with: java docs/examples/Busi.java [fail]
 */
public class Busi {
    public static void main(String[] args) throws Exception {
        boolean failTransIn = args.length > 0 && args[0].equals("fail");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 8081), 0);
        server.createContext("/api/busi/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = exchange.getRequestURI().getPath();
            System.out.printf("%s %s?%s %s%n", exchange.getRequestMethod(), path, exchange.getRequestURI().getQuery(), body);
            boolean fail = failTransIn && path.endsWith("/TransIn");
            byte[] reply = (fail ? "{\"dtm_result\":\"FAILURE\"}" : "{\"dtm_result\":\"SUCCESS\"}").getBytes();
            exchange.sendResponseHeaders(fail ? 409 : 200, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        server.start();
        System.out.println("business service on http://127.0.0.1:8081/api/busi/");
    }
}
