package dev.lorillama.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench-serve}: a load generator for an OpenAI-compatible server on this machine (ours or
 * llama.cpp's {@code llama-server}). For each number of concurrent clients, every client sends
 * {@code --requests} streamed completions one after the other, cycling through {@code --models}
 * (adapter mixes on our server); reported per level: aggregate generated tokens/s over the
 * level's wall time, and time to first token p50/p95 over its requests. Bounded: loopback only,
 * a fixed number of requests, and no request starts after {@code --time-limit}.
 */
@Command(name = "bench-serve", mixinStandardHelpOptions = true,
        description = "Load a local OpenAI-compatible server with concurrent streaming clients: aggregate tokens/s and TTFT p50/p95.")
final class BenchServeCommand implements Callable<Integer> {
    @Option(names = "--url", required = true, paramLabel = "URL", description = "The server, on this machine (e.g. http://127.0.0.1:8080).")
    URI url;

    @Option(names = "--clients", split = ",", paramLabel = "N,...", description = "Concurrent clients, one level each (default ${DEFAULT-VALUE}).")
    List<Integer> clients = List.of(1, 2, 4, 8, 16);

    @Option(names = "--requests", paramLabel = "N", description = "Requests each client sends per level (default ${DEFAULT-VALUE}).")
    int requests = 2;

    @Option(names = "--max-tokens", paramLabel = "N", description = "max_tokens of each request (default ${DEFAULT-VALUE}).")
    int maxTokens = 32;

    @Option(names = "--models", split = ",", paramLabel = "NAME,...",
            description = "model field of the requests, taken in turn (our server: base, an adapter, a+b) (default ${DEFAULT-VALUE}).")
    List<String> models = List.of("base");

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text; each request puts its own number in front, so no two prompts are equal.")
    String prompt = "Write a short story about a lighthouse keeper who finds a message in a bottle, "
            + "and tell what the message says and what the keeper does next.";

    @Option(names = "--warmup", paramLabel = "N", description = "Unmeasured requests per model first (the JIT compiles) (default ${DEFAULT-VALUE}).")
    int warmup = 1;

    @Option(names = "--time-limit", paramLabel = "SECONDS", description = "No request starts later than this into a level (default ${DEFAULT-VALUE}).")
    int timeLimit = 120;

    @Option(names = "--pid", paramLabel = "PID", description = "The server's process id: its peak RSS is reported at the end.")
    Long pid;

    @Option(names = "--label", paramLabel = "TEXT", description = "A name for this run, repeated on every line of output (default: the URL).")
    String label;

    @Option(names = "--json", description = "One JSON object per level (and one for the peak RSS) on stdout, nothing else.")
    boolean json;

    /** One level's outcome. */
    record Level(int clients, int requests, int refused, int failed, long tokens, double seconds, double ttftP50, double ttftP95) {
        double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    @Override
    public Integer call() throws Exception {
        checkLoopback(url);
        if (clients.isEmpty() || clients.stream().anyMatch(c -> c < 1)) throw new IllegalArgumentException("--clients must all be >= 1, got " + clients);
        if (requests < 1) throw new IllegalArgumentException("--requests must be >= 1, got " + requests);
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
        if (timeLimit < 1) throw new IllegalArgumentException("--time-limit must be >= 1 second, got " + timeLimit);
        if (pid != null) peakRss(pid); // a wrong --pid is said before the load, not after
        String name = label != null ? label : url.toString();
        URI completions = url.resolve("/v1/completions");
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build()) {
            for (int w = 0; w < warmup; w++) {
                for (String model : models) {
                    StreamedCompletion c = StreamedCompletion.run(client, completions, model, "Warm-up " + w + ": " + prompt, maxTokens);
                    if (!c.ok()) throw new IllegalArgumentException(url + " answered the warm-up request for model " + model + " with status " + c.status());
                }
            }
            if (!json) {
                System.out.printf(Locale.ROOT, "%s: models %s, %d requests per client, max %d tokens each%n", name, String.join(",", models),
                        requests, maxTokens);
                System.out.println("clients  requests  refused  failed   tokens  seconds   tokens/s  TTFT p50 s  TTFT p95 s");
            }
            for (int c : clients) print(name, runLevel(client, completions, c));
        }
        if (pid != null) {
            long rss = peakRss(pid);
            if (json) System.out.println(new ObjectMapper().createObjectNode().put("label", name).put("server_peak_rss_bytes", rss));
            else System.out.printf(Locale.ROOT, "server peak RSS %.1f MB%n", rss / 1e6);
        }
        return 0;
    }

    /** {@code clients} threads, each sending its requests in turn; the level ends when the last is done. */
    private Level runLevel(HttpClient client, URI completions, int clients) throws InterruptedException {
        List<StreamedCompletion> done = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger broken = new AtomicInteger(); // connections that failed
        long start = System.nanoTime(), deadline = start + timeLimit * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < clients; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().name("bench-serve-client-" + t).start(() -> {
                for (int i = 0; i < requests && System.nanoTime() < deadline; i++) {
                    int n = id * requests + i;
                    try {
                        done.add(StreamedCompletion.run(client, completions, models.get(n % models.size()),
                                "Request " + clients + "." + n + ": " + prompt, maxTokens));
                    } catch (IOException e) {
                        broken.incrementAndGet();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Double> ttft = new ArrayList<>();
        long tokens = 0;
        int refused = 0, failed = broken.get();
        for (StreamedCompletion c : done) {
            if (c.status() != 200) refused++;
            else if (!c.ok()) failed++;
            else {
                ttft.add(c.firstTextNanos() / 1e9);
                tokens += c.tokens();
            }
        }
        Collections.sort(ttft);
        return new Level(clients, done.size() + broken.get(), refused, failed, tokens, seconds, percentile(ttft, 0.50), percentile(ttft, 0.95));
    }

    /** Nearest rank: the smallest value with at least {@code p} of the values at or below it (NaN for none). */
    static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) return Double.NaN;
        return sorted.get(Math.max(0, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private void print(String name, Level l) {
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode().put("label", name).put("clients", l.clients()).put("requests", l.requests())
                    .put("refused", l.refused()).put("failed", l.failed()).put("tokens", l.tokens()).put("seconds", l.seconds())
                    .put("tokens_per_s", l.tokensPerSecond()).put("ttft_p50_s", l.ttftP50()).put("ttft_p95_s", l.ttftP95());
            System.out.println(o);
        } else {
            System.out.printf(Locale.ROOT, "%7d  %8d  %7d  %6d  %7d  %7.2f  %9.2f  %10.3f  %10.3f%n", l.clients(), l.requests(), l.refused(),
                    l.failed(), l.tokens(), l.seconds(), l.tokensPerSecond(), l.ttftP50(), l.ttftP95());
        }
    }

    /** Loopback only: this generates load, and must never be pointed at someone else's server. */
    static void checkLoopback(URI url) {
        String host = url.getHost();
        if (host == null || !"http".equals(url.getScheme())) throw new IllegalArgumentException("--url: expected http://HOST:PORT, got " + url);
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) throw new IllegalArgumentException("--url: " + host + " is not a loopback address; bench-serve only loads a server on this machine");
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--url: unknown host " + host);
        }
    }

    /** VmHWM of /proc/PID/status (the process's peak resident set). */
    private static long peakRss(long pid) {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        long rss = BenchCommand.peakRssBytes(status);
        if (rss < 0) throw new IllegalArgumentException("--pid " + pid + ": cannot read the peak RSS from " + status);
        return rss;
    }
}
