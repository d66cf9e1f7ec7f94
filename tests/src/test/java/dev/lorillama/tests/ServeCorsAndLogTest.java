package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code chat.jar serve} as started from a shell: CORS only with {@code --cors ORIGIN} (a
 * browser's preflight answered before the API key check), and one request-log line per request
 * on stderr.
 */
class ServeCorsAndLogTest {
    private static final String ORIGIN = "http://localhost:3000";

    @Test
    void corsAnswersOnlyTheNamedOriginAndEveryRequestIsLoggedInOneLine() throws Exception {
        try (ServeProcess serve = ServeProcess.start("--model", ChatFixture.MODEL.toString(), "--name", "chat-model",
                "--adapter", "nlu=" + ChatFixture.NLU, "--cors", ORIGIN, "--api-key", "k3y");
             HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(URI.create(serve.url + "/v1/chat/completions"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", ORIGIN)
                    .header("Access-Control-Request-Method", "POST")
                    .header("Access-Control-Request-Headers", "authorization, content-type").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, preflight.statusCode(), preflight.body());
            assertEquals(ORIGIN, preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
            assertTrue(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("").contains("POST"));
            assertEquals("authorization, content-type", preflight.headers().firstValue("Access-Control-Allow-Headers").orElse(null));

            String body = "{\"model\": \"nlu\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}], \"max_tokens\": 5, "
                    + "\"temperature\": 0}";
            HttpResponse<String> allowed = http.send(post(serve.url, body).header("Origin", ORIGIN).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, allowed.statusCode(), allowed.body());
            assertEquals(ORIGIN, allowed.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
            HttpResponse<String> other = http.send(post(serve.url, body).header("Origin", "http://evil.test").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertFalse(other.headers().firstValue("Access-Control-Allow-Origin").isPresent(), "another origin gets no CORS header");
            HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(serve.url + "/v1/nothing"))
                    .header("Authorization", "Bearer k3y").GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, missing.statusCode());

            awaitLog(serve, "GET /v1/nothing 404");
            String log = serve.log();
            assertTrue(Pattern.compile("(?m)^POST /v1/chat/completions model=nlu tokens=\\d+\\+5 200 \\d+ ms$").matcher(log).find(), log);
            assertTrue(Pattern.compile("(?m)^OPTIONS /v1/chat/completions 204 \\d+ ms$").matcher(log).find(), log);
        }
    }

    @Test
    void withoutCorsNoCrossOriginHeaderIsSent() throws Exception {
        try (ServeProcess serve = ServeProcess.start("--model", ChatFixture.MODEL.toString());
             HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(serve.url + "/v1/models")).header("Origin", ORIGIN).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertFalse(r.headers().firstValue("Access-Control-Allow-Origin").isPresent());
        }
    }

    private static HttpRequest.Builder post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions")).header("Content-Type", "application/json")
                .header("Authorization", "Bearer k3y").POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static void awaitLog(ServeProcess serve, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!serve.log().contains(text)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no '" + text + "' in the log: " + serve.log());
            Thread.sleep(20);
        }
    }
}
