package dev.lorillama.chat;

import dev.lorillama.api.LoadOptions;
import dev.lorillama.api.Llama;
import dev.lorillama.server.OpenAiServer;
import dev.lorillama.server.ServerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code serve}: an OpenAI-compatible HTTP server; one base model in memory serves every adapter. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"OpenAI-compatible HTTP server.",
                "Endpoints: GET /health, GET /v1/models, GET /v1/models/{id}, POST /v1/chat/completions, POST /v1/completions "
                        + "(streamed as server-sent events with \"stream\": true, or one JSON object), with logprobs and "
                        + "top_logprobs (and echo on /v1/completions), response_format json_object and json_schema (by constrained "
                        + "decoding: the reply parses and validates) and tools (Llama 3.1's JSON tool calls).",
                "The request's \"model\" picks the base (its id, or \"base\"), an adapter by NAME, or several joined "
                        + "with '+' (e.g. \"nlu+code\": cat, weight 1 each), applied unmerged: one base in memory serves all.",
                "Concurrency: continuous batching. Up to --parallel requests generate together, one token of each per step "
                        + "(the weights are read once per step for all), each with its own KV cache and adapters; requests that "
                        + "arrive join between steps, their prompts read in chunks while the others keep producing tokens. "
                        + "Beyond --parallel, or while their KV caches would pass --kv-budget, requests wait in a queue of "
                        + "--queue; when it is full they get 503 with Retry-After. A client that disconnects cancels its generation.",
                "Fields a request may not use here (n > 1, logit_bias, ...) are refused with 400 "
                        + "naming the field; every error has OpenAI's JSON body. Each request is logged on stderr in one line.",
                "Options:"})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--adapter", paramLabel = "NAME=DIR",
            description = "Load a PEFT LoRA/LoRI adapter directory or Hugging Face repository (ORG/NAME) under NAME, the \"model\" "
                    + "requests use (without NAME=, the directory's or repository's own name). Repeat for more.")
    List<String> adapters = new ArrayList<>();

    @Mixin
    AdapterPrecisionOption adapterPrecision;

    @Mixin
    DeviceOption device;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address to listen on. Default: ${DEFAULT-VALUE} (this machine only).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Port to listen on. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "2",
            description = "Most requests in a batch, generating together. Default: ${DEFAULT-VALUE}.")
    int parallel;

    @Option(names = "--kv-budget", paramLabel = "TOKENS",
            description = "KV cache positions the running requests may reserve together (each: prompt + max_tokens, at most "
                    + "--context); more wait. Default: --parallel × --context.")
    Long kvBudget;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "" + LoadOptions.DEFAULT_QUEUE_SIZE,
            description = "Requests that may wait for a place in the batch; more get 503 with Retry-After. Default: ${DEFAULT-VALUE}.")
    int queue;

    @Option(names = "--name", paramLabel = "ID",
            description = "Id of the base model in /v1/models and requests. Default: the model's directory or file name.")
    String name;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "tokenizer.json / tokenizer.model when the model has none beside it. Default: the model's.")
    Path tokenizer;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:" + API_KEY_VARIABLE + "}",
            description = "Require 'Authorization: Bearer KEY' on every endpoint but /health. Default: the environment variable "
                    + API_KEY_VARIABLE + " (safer than the command line, which other users can see), else no key.")
    String apiKey;

    @Option(names = "--max-request-bytes", paramLabel = "BYTES", defaultValue = "" + ServerSettings.DEFAULT_MAX_BODY_BYTES,
            description = "Largest request body; larger ones get 413. Default: ${DEFAULT-VALUE}.")
    long maxRequestBytes;

    @Option(names = "--request-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Seconds a client has to send a whole request; slower ones are disconnected. Default: ${DEFAULT-VALUE}.")
    int requestTimeoutSeconds;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "" + ServerSettings.DEFAULT_MAX_CONNECTIONS,
            description = "Open connections at most; more wait to be accepted. Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(names = "--cors", paramLabel = "ORIGIN",
            description = "Let web pages from ORIGIN (e.g. http://localhost:3000, or * for any) call the API from a browser. "
                    + "Default: off (no CORS headers).")
    String cors;

    static final String API_KEY_VARIABLE = "LORILLAMA_API_KEY";
    /** Each parallel request holds a KV cache and a worker: beyond this the machine only thrashes. */
    static final int MOST_PARALLEL = 64;

    @Override
    public Integer call() throws InterruptedException {
        // cheap checks first: a typo in --host or a busy port should not cost a model load
        if (parallel < 1 || parallel > MOST_PARALLEL) {
            throw new IllegalArgumentException("--parallel must be between 1 and " + MOST_PARALLEL + ", got " + parallel);
        }
        if (requestTimeoutSeconds < 1) throw new IllegalArgumentException("--request-timeout must be >= 1 second, got " + requestTimeoutSeconds);
        if (maxRequestBytes < 1) throw new IllegalArgumentException("--max-request-bytes must be >= 1, got " + maxRequestBytes);
        if (maxConnections < 1) throw new IllegalArgumentException("--max-connections must be >= 1, got " + maxConnections);
        if (apiKey != null && apiKey.isBlank()) throw new IllegalArgumentException("--api-key must not be empty");
        if (kvBudget != null && kvBudget < 2) throw new IllegalArgumentException("--kv-budget must be >= 2 tokens, got " + kvBudget);
        if (queue < 0) throw new IllegalArgumentException("--queue must be >= 0, got " + queue);
        ListenAddress.check(host, port);
        if (cors != null && cors.isBlank()) throw new IllegalArgumentException("--cors must name an origin (or *), got an empty value");
        ServerSettings settings = new ServerSettings(apiKey, maxRequestBytes, Duration.ofSeconds(requestTimeoutSeconds), maxConnections,
                cors, true);
        LoadOptions options = LoadOptions.defaults().threads(model.threads()).progress(Progress.loading())
                .device(device.device()).deviceSequences(Math.max(1, parallel)).batchSize(parallel).queueSize(queue);
        if (kvBudget != null) options.kvBudget(kvBudget);
        if (model.context != null) options.contextLength(model.context);
        if (tokenizer != null) options.tokenizer(tokenizer);
        options.adapterPrecision(adapterPrecision.value());
        Map<String, Path> named = namedAdapters();
        named.forEach(options::adapter);
        String baseId = name != null ? name : model.displayName();
        CountDownLatch stopped = new CountDownLatch(1);
        try (Llama llama = Llama.load(model.path(), options);
             OpenAiServer server = OpenAiServer.start(llama, baseId, host, port, settings)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
            System.err.printf(Locale.ROOT, "serving %s%s on http://%s:%d (%d parallel, context %d, device %s, %s); Ctrl-C stops%n", baseId,
                    named.isEmpty() ? "" : " with adapters " + String.join(", ", named.keySet()), host, server.port(),
                    parallel, llama.contextLength(), llama.device(),
                    apiKey == null ? "no API key" : "API key required");
            System.err.printf(Locale.ROOT, "batch: up to %d requests, KV budget %d tokens, queue %d; at most %.2f GB for KV caches "
                    + "and activations besides the weights%n", parallel, llama.batchLimits().kvBudgetTokens(), queue,
                    llama.batchMemoryBytes() / 1e9);
            stopped.await();
        }
        return 0;
    }

    /** NAME=DIR, NAME=ORG/REPO, or DIR and ORG/REPO named after themselves. */
    private Map<String, Path> namedAdapters() {
        Map<String, Path> named = new LinkedHashMap<>();
        for (String a : adapters) {
            int eq = a.indexOf('=');
            String name = eq > 0 ? a.substring(0, eq) : AdapterOptions.name(a);
            if (named.put(name, model.adapter(a.substring(eq + 1))) != null) {
                throw new IllegalArgumentException("--adapter: the name '" + name + "' is given twice; name them NAME=DIR");
            }
        }
        return named;
    }
}
