package dev.lorillama.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lorillama.api.Llama;
import dev.lorillama.runtime.UserInputException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An OpenAI-compatible HTTP server over one loaded model (Javalin on Jetty):
 * {@code GET /health}, {@code GET /v1/models} (and {@code /v1/models/{id}}), {@code POST /v1/chat/completions},
 * {@code POST /v1/completions}, streaming or not; {@code GET /v1/adapters/{name}} (and
 * {@code .../overlap/{other}}) for what an adapter holds; and the web page at {@code /} (the
 * jar's {@code webui/} resources: see {@link WebPage}).
 *
 * <p>Concurrency: requests generate together in the model's batch ({@link Llama#submit}:
 * continuous batching, one token of every running request per step, each with its own KV cache,
 * sampler and adapters); the batch's limits ({@code LoadOptions.batchSize}, {@code kvBudget},
 * {@code queueSize}) say how many run at once and how many may wait, and a request beyond those
 * is refused at once with 503 and Retry-After. One base model in memory serves every adapter:
 * each request applies the adapters its {@code model} names, unmerged.
 */
public final class OpenAiServer implements AutoCloseable {
    private final Javalin app;

    private OpenAiServer(Javalin app) {
        this.app = app;
    }

    /**
     * Starts serving on {@code host:port} (port 0: any free port, see {@link #port()}).
     *
     * @param baseId the id under which the base model is listed and requested
     * @throws UserInputException when the batch's memory ({@link Llama#batchMemoryBytes()}) does not fit the heap
     */
    public static OpenAiServer start(Llama llama, String baseId, String host, int port) {
        return start(llama, baseId, host, port, ServerSettings.defaults());
    }

    /** As above, with an API key and limits on what one client may hold. */
    public static OpenAiServer start(Llama llama, String baseId, String host, int port, ServerSettings settings) {
        llama.checkBatchFitsHeap("--parallel, --kv-budget or --context"); // say so now, not at the first busy hour
        ServedModels models = new ServedModels(baseId, llama.adapterNames());
        long created = Instant.now().getEpochSecond();
        Javalin app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
            config.http.disableCompression(); // compression would hold streamed events back
            config.staticFiles.add(WebPage::serve);
            config.http.prefer405over404 = true;
            config.http.maxRequestSize = settings.maxBodyBytes();
            ServerLimits.apply(config, host, port, settings);
            if (settings.requestLog()) config.requestLogger.http(new RequestLog(System.err)::log);
        });
        if (settings.corsOrigin() != null) app.before(new CrossOrigin(settings.corsOrigin()));
        if (settings.apiKey() != null) app.before(new ApiKeyGuard(settings.apiKey()));
        app.get("/health", ctx -> {
            Map<String, Object> health = new LinkedHashMap<>();
            health.put("status", "ok");
            health.put("model", baseId);
            health.putAll(llama.batchCounters());
            ctx.contentType("application/json").result(OpenAiJson.MAPPER.writeValueAsString(health));
        });
        app.get("/v1/models", ctx -> ctx.contentType("application/json").result(OpenAiJson.MAPPER.writeValueAsString(
                OpenAiJson.models(models.ids(), created))));
        app.get("/v1/models/<id>", ctx -> ctx.contentType("application/json").result(OpenAiJson.MAPPER.writeValueAsString(
                OpenAiJson.model(models.known(ctx.pathParam("id")), created))));
        app.post("/v1/chat/completions", new CompletionHandler(true, llama, models, settings.maxBodyBytes()));
        app.post("/v1/completions", new CompletionHandler(false, llama, models, settings.maxBodyBytes()));
        AdapterInspector inspector = new AdapterInspector(llama);
        app.get("/v1/adapters/{name}", inspector::profile);
        app.get("/v1/adapters/{name}/overlap/{other}", inspector::overlap);
        app.exception(ApiError.class, (e, ctx) -> {
            if (e.retryAfterSeconds > 0 && !ctx.res().isCommitted()) ctx.header("Retry-After", Long.toString(e.retryAfterSeconds));
            error(ctx, e.status, e.getMessage(), e.type, e.param, e.code);
        });
        app.exception(UserInputException.class, (e, ctx) -> error(ctx, 400, e.getMessage(), "invalid_request_error", null, null));
        app.exception(HttpResponseException.class, (e, ctx) -> routingError(ctx, e));
        app.exception(Exception.class, (e, ctx) -> error(ctx, 500, "internal error: " + e, "server_error", null, null));
        try {
            app.start();
        } catch (RuntimeException e) {
            throw new UserInputException("cannot listen on " + host + ":" + port + ": " + rootMessage(e), e);
        }
        return new OpenAiServer(app);
    }

    /** Javalin's own refusals (no such path, wrong method, body too large) in OpenAI's shape too. */
    private static void routingError(Context ctx, HttpResponseException e) {
        switch (e.getStatus()) {
            case 404 -> error(ctx, 404, "Unknown path " + ctx.method() + " " + ctx.path() + "; this server has GET /health, "
                    + "GET /v1/models, GET /v1/models/{id}, POST /v1/chat/completions, POST /v1/completions", "invalid_request_error",
                    null, "not_found");
            case 405 -> error(ctx, 405, "Method " + ctx.method() + " is not allowed on " + ctx.path(), "invalid_request_error",
                    null, "method_not_allowed");
            default -> error(ctx, e.getStatus(), e.getMessage(), "invalid_request_error", null, null);
        }
    }

    /** Every error, whatever its status, has OpenAI's body: {"error": {message, type, param, code}}. */
    private static void error(Context ctx, int status, String message, String type, String param, String code) {
        if (ctx.res().isCommitted()) return; // a plain response already under way: nothing more can be said
        try {
            ctx.status(status).contentType("application/json")
                    .result(OpenAiJson.MAPPER.writeValueAsString(OpenAiJson.error(message, type, param, code)));
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) e = e.getCause();
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** The port it listens on. */
    public int port() {
        return app.port();
    }

    /** Stops listening and waits for requests in progress. */
    @Override
    public void close() {
        app.stop();
    }
}
