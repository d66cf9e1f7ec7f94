package dev.lorillama.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.stream.Stream;

/**
 * One streamed OpenAI {@code /v1/completions} request, timed as a client sees it: the time to the
 * first generated text, and the tokens generated (the server's {@code usage} when it sends one,
 * else one per chunk of text, as llama.cpp's server streams them). Works against our server and
 * llama.cpp's {@code llama-server} alike.
 *
 * @param status        HTTP status (200, or the refusal's: 503 when the queue is full)
 * @param firstTextNanos nanoseconds from sending to the first chunk with text (−1: none came)
 * @param tokens        tokens generated
 * @param totalNanos    nanoseconds from sending to the end of the stream
 */
record StreamedCompletion(int status, long firstTextNanos, int tokens, long totalNanos) {
    private static final ObjectMapper JSON = new ObjectMapper();

    boolean ok() {
        return status == 200 && tokens > 0;
    }

    /** Sends the request and reads its events to the end. */
    static StreamedCompletion run(HttpClient client, URI completions, String model, String prompt, int maxTokens)
            throws IOException, InterruptedException {
        String body = JSON.createObjectNode().put("model", model).put("prompt", prompt).put("max_tokens", maxTokens)
                .put("temperature", 0).put("stream", true)
                .set("stream_options", JSON.createObjectNode().put("include_usage", true)).toString();
        HttpRequest request = HttpRequest.newBuilder(completions).timeout(Duration.ofMinutes(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long start = System.nanoTime();
        HttpResponse<Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
        long firstText = -1;
        int chunks = 0, usageTokens = -1;
        try (Stream<String> lines = response.body()) {
            if (response.statusCode() != 200) return new StreamedCompletion(response.statusCode(), -1, 0, System.nanoTime() - start);
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (!line.startsWith("data:")) continue;
                String data = line.substring(5).strip();
                if (data.equals("[DONE]")) break;
                JsonNode event = JSON.readTree(data);
                JsonNode usage = event.path("usage").path("completion_tokens");
                if (usage.isIntegralNumber()) usageTokens = usage.asInt();
                String text = event.path("choices").path(0).path("text").asText("");
                if (!text.isEmpty()) {
                    if (firstText < 0) firstText = System.nanoTime() - start;
                    chunks++;
                }
            }
        }
        return new StreamedCompletion(200, firstText, usageTokens >= 0 ? usageTokens : chunks, System.nanoTime() - start);
    }
}
