package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Load and faults on loopback, bounded in requests and time: concurrent clients with mixed
 * adapters, streamed and not, some hanging up mid-stream, some sending malformed, oversized or
 * unsupported bodies. Every completed greedy answer equals the same request run alone, every
 * request gets exactly one answer (the server's own counters agree), the server's RSS stays
 * bounded, and it keeps serving afterwards. Prints the figures (requests, concurrency, outcomes
 * by kind, latency p50/p95, peak RSS) for the notes.
 */
class ServerLoadFaultTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** -Dloadfault.clients / -Dloadfault.requests make it larger for a measurement (the build runs the defaults). */
    private static final int CLIENTS = Integer.getInteger("loadfault.clients", 8);
    private static final int REQUESTS = Integer.getInteger("loadfault.requests", 96);
    private static final int MAX_REQUEST_BYTES = 16 * 1024;
    private static final List<String> MODELS = List.of("chat-model", "nlu", "code", "nlu+code");
    private static final List<String> PROMPTS = List.of("Hello", "Is it true?", "Write a loop");
    /** What each request does; a request's index picks its kind, model and prompt. */
    private enum Kind { PLAIN, STREAM, HANG_UP, MALFORMED, OVERSIZED, UNKNOWN_FIELD }
    private static final Kind[] MIX = {Kind.PLAIN, Kind.STREAM, Kind.PLAIN, Kind.HANG_UP, Kind.STREAM, Kind.MALFORMED,
            Kind.PLAIN, Kind.OVERSIZED, Kind.STREAM, Kind.UNKNOWN_FIELD};

    private record Outcome(Kind kind, int status, String text, long nanos) {}

    @Test
    void mixedConcurrentLoadWithFaultsAnswersEveryRequestOnceAndExactly() throws Exception {
        try (ServeProcess server = ServeProcess.start("--model", ChatFixture.MODEL.toString(), "--name", "chat-model",
                "--adapter", "nlu=" + ChatFixture.NLU, "--adapter", "code=" + ChatFixture.CODE, "--parallel", "4", "--queue", "" + REQUESTS,
                "--max-request-bytes", "" + MAX_REQUEST_BYTES, "--request-timeout", "30")) {
            int port = Integer.parseInt(server.url.substring(server.url.lastIndexOf(':') + 1));
            Map<String, String> alone = new TreeMap<>();
            for (String model : MODELS) for (String prompt : PROMPTS) alone.put(model + "|" + prompt, completion(port, model, prompt, false).text());
            JsonNode before = health(port);

            AtomicInteger next = new AtomicInteger();
            List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
            Map<Integer, Integer> answers = new ConcurrentHashMap<>();
            long start = System.nanoTime();
            try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
                List<Future<?>> running = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    running.add(clients.submit(() -> {
                        for (int i; (i = next.getAndIncrement()) < REQUESTS; ) {
                            Outcome o = request(port, i);
                            outcomes.add(o);
                            answers.merge(i, 1, Integer::sum);
                            String key = MODELS.get(i % MODELS.size()) + "|" + PROMPTS.get(i % PROMPTS.size());
                            if (o.kind() == Kind.PLAIN || o.kind() == Kind.STREAM) {
                                assertEquals(200, o.status(), "request " + i + " " + o);
                                assertEquals(alone.get(key), o.text(), "request " + i + " (" + key + ", " + o.kind() + ") differs from the same request alone");
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : running) f.get(5, TimeUnit.MINUTES);
            }
            double seconds = (System.nanoTime() - start) / 1e9;

            assertEquals(REQUESTS, answers.size(), "every request answered");
            assertTrue(answers.values().stream().allMatch(n -> n == 1), "no request answered twice: " + answers);
            Map<String, Integer> byKind = new TreeMap<>();
            for (Outcome o : outcomes) {
                byKind.merge(o.kind() + " " + o.status(), 1, Integer::sum);
                int expected = switch (o.kind()) {
                    case PLAIN, STREAM, HANG_UP -> 200;
                    case MALFORMED, UNKNOWN_FIELD -> 400;
                    case OVERSIZED -> 413;
                };
                assertEquals(expected, o.status(), o.toString());
            }
            // the scheduler saw each generating request once: finished, or cancelled when its client hung up
            long generating = outcomes.stream().filter(o -> o.status() == 200).count();
            JsonNode after = waitIdle(port);
            long ended = after.get("finished").asLong() - before.get("finished").asLong()
                    + after.get("cancelled").asLong() - before.get("cancelled").asLong();
            assertEquals(generating, ended, "the server's counters: " + after);
            // and it still serves, the same answer as before the load
            assertEquals(alone.get("nlu+code|Hello"), completion(port, "nlu+code", "Hello", true).text());

            long rss = peakRssKb(server.pid());
            assertTrue(rss < 1_000_000, "peak RSS " + rss + " kB");
            List<Long> latencies = outcomes.stream().filter(o -> o.status() == 200 && o.kind() != Kind.HANG_UP)
                    .map(o -> o.nanos() / 1_000_000).sorted().toList();
            System.out.printf(Locale.ROOT, "load-fault: %d requests from %d concurrent clients in %.1f s (--parallel 4, models %s); outcomes %s; "
                    + "completed latency p50 %d ms, p95 %d ms; server peak RSS %d MB (-Xmx512m)%n", REQUESTS, CLIENTS, seconds, MODELS, byKind,
                    latencies.get(latencies.size() / 2), latencies.get((int) Math.ceil(latencies.size() * 0.95) - 1), rss / 1024);
        }
    }

    private static Outcome request(int port, int i) throws IOException {
        Kind kind = MIX[i % MIX.length];
        String model = MODELS.get(i % MODELS.size()), prompt = PROMPTS.get(i % PROMPTS.size());
        long start = System.nanoTime();
        return switch (kind) {
            case PLAIN -> timed(kind, completion(port, model, prompt, false), start);
            case STREAM -> timed(kind, completion(port, model, prompt, true), start);
            case HANG_UP -> {
                try (Socket s = post(port, body(model, prompt, true, 64))) {
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    int status = status(line(in));
                    for (int lines = 0; lines < 100 && !line(in).startsWith("data: "); lines++) { /* headers, a chunk size, the first event */ }
                    yield new Outcome(kind, status, null, System.nanoTime() - start); // and hang up mid-stream
                }
            }
            case MALFORMED -> timed(kind, exchange(port, "{\"model\": \"" + model + "\", \"messages\": [{\"role\": \"user\", \"content\": "), start);
            case OVERSIZED -> timed(kind, exchange(port, body(model, "x".repeat(MAX_REQUEST_BYTES), false, 8)), start);
            case UNKNOWN_FIELD -> timed(kind, exchange(port, body(model, prompt, false, 8).replaceFirst("\\{", "{\"no_such_field\": 1, ")), start);
        };
    }

    private record Response(int status, String text) {}

    private static Outcome timed(Kind kind, Response r, long start) {
        return new Outcome(kind, r.status(), r.text(), System.nanoTime() - start);
    }

    private static String body(String model, String prompt, boolean stream, int maxTokens) throws IOException {
        return JSON.writeValueAsString(Map.of("model", model, "messages", List.of(Map.of("role", "user", "content", prompt)),
                "temperature", 0, "max_tokens", maxTokens, "stream", stream));
    }

    /** A greedy completion of 8 tokens; the text is the answer, put together from the chunks when streamed. */
    private static Response completion(int port, String model, String prompt, boolean stream) throws IOException {
        Response r = exchange(port, body(model, prompt, stream, 8));
        if (r.status() != 200) return r;
        if (!stream) return new Response(200, JSON.readTree(r.text()).at("/choices/0/message/content").asText());
        StringBuilder text = new StringBuilder();
        for (String line : r.text().split("\n")) {
            if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
            text.append(JSON.readTree(line.substring(6)).at("/choices/0/delta/content").asText(""));
        }
        return new Response(200, text.toString());
    }

    /** One request on its own connection (Connection: close): the status and the whole body, chunked or not. */
    private static Response exchange(int port, String body) throws IOException {
        try (Socket s = post(port, body)) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            int status = status(line(in));
            boolean chunked = false;
            for (String line; !(line = line(in)).isEmpty(); ) {
                if (line.toLowerCase(Locale.ROOT).startsWith("transfer-encoding: chunked")) chunked = true;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            if (!chunked) {
                in.transferTo(bytes);
            } else {
                for (int size; (size = Integer.parseInt(line(in).split(";")[0].strip(), 16)) > 0; line(in)) bytes.write(in.readNBytes(size));
            }
            return new Response(status, bytes.toString(StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            // the server may answer 413 and close before it has read all we send
            if (body.length() > MAX_REQUEST_BYTES) return new Response(413, "");
            throw e;
        }
    }

    /** A header or chunk-size line (ASCII), without its CRLF; empty at the end of the headers or of the stream. */
    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) if (c != '\r') b.append((char) c);
        return b.toString();
    }

    private static Socket post(int port, String body) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(60_000);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(bytes);
        out.flush();
        return s;
    }

    private static int status(String statusLine) {
        return Integer.parseInt(statusLine.split(" ")[1]);
    }

    private static JsonNode health(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return JSON.readTree(all.substring(all.indexOf("\r\n\r\n") + 4));
        }
    }

    private static JsonNode waitIdle(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            JsonNode h = health(port);
            if (h.get("generating").asInt() == 0 && h.get("waiting").asInt() == 0) return h;
            if (System.nanoTime() > deadline) throw new AssertionError("the server never went idle: " + h);
            Thread.sleep(100);
        }
    }

    /** The process's peak resident set (VmHWM), in kB. */
    private static long peakRssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        throw new AssertionError("no VmHWM in /proc/" + pid + "/status");
    }
}
