package dev.lorillama.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.api.FinishReason;
import dev.lorillama.api.Llama;
import dev.lorillama.api.Reply;
import dev.lorillama.api.Session;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.UUID;

/**
 * Serves {@code POST /v1/chat/completions} and {@code POST /v1/completions}: validates the
 * request, borrows a session, applies the requested adapters (unmerged, on the shared base) and
 * writes the reply, streamed as server-sent events or as one JSON object.
 *
 * <p>A client that disconnects cancels its generation: for a stream, the next event fails to
 * send; for a plain response, a space (leading whitespace is valid JSON) is sent every
 * {@value #HEARTBEAT_MILLIS} ms while generating, which fails the same way. Because of that a
 * long plain response commits status 200 before its body; every 4xx is decided before generating.
 */
final class CompletionHandler implements Handler {
    static final long HEARTBEAT_MILLIS = 250;

    private final boolean chat;
    private final Llama llama;
    private final ServedModels models;
    private final SessionPool sessions;
    private final long maxBodyBytes;

    CompletionHandler(boolean chat, Llama llama, ServedModels models, SessionPool sessions, long maxBodyBytes) {
        this.chat = chat;
        this.llama = llama;
        this.models = models;
        this.sessions = sessions;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void handle(Context ctx) throws Exception {
        CompletionRequest request = CompletionRequest.parse(body(ctx, maxBodyBytes), chat, models, llama);
        Session session = sessions.take();
        Reply reply = null;
        try {
            session.useAdapters(request.mix());
            reply = request.stream() ? stream(ctx, session, request) : whole(ctx, session, request);
        } finally {
            sessions.release(session, reply != null && reply.finishReason() == FinishReason.CANCELLED);
        }
    }

    private static JsonNode body(Context ctx, long maxBodyBytes) {
        try {
            JsonNode body = OpenAiJson.MAPPER.readTree(boundedBody(ctx, maxBodyBytes));
            if (body == null) throw new ApiError(400, "invalid_request_error", null, "invalid_json", "The request body is empty; expected JSON");
            return body;
        } catch (JacksonException e) {
            throw new ApiError(400, "invalid_request_error", null, "invalid_json",
                    "The request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The body, refused with a 413 once it passes the limit (declared or, for a chunked body, as read). */
    private static byte[] boundedBody(Context ctx, long maxBodyBytes) throws IOException {
        if (ctx.req().getContentLengthLong() > maxBodyBytes) throw ApiError.tooLarge(maxBodyBytes);
        byte[] body = ctx.req().getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
        if (body.length > maxBodyBytes) throw ApiError.tooLarge(maxBodyBytes);
        return body;
    }

    private Reply stream(Context ctx, Session session, CompletionRequest request) throws IOException {
        ctx.status(200);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        ClientConnection client = new ClientConnection(() -> ctx.res().getOutputStream(), session);
        String id = newId();
        long created = Instant.now().getEpochSecond();
        String object = chat ? "chat.completion.chunk" : "text_completion";
        if (chat) client.send(event(OpenAiJson.chunk(OpenAiJson.envelope(id, object, created, request.model()), true, "assistant", "", null)));
        Reply reply = session.generate(request.prompt(), request.settings(), piece -> client.send(
                event(OpenAiJson.chunk(OpenAiJson.envelope(id, object, created, request.model()), chat, null, piece, null))));
        if (client.gone()) return reply;
        String finish = OpenAiJson.finishReason(reply.finishReason());
        client.send(event(OpenAiJson.chunk(OpenAiJson.envelope(id, object, created, request.model()), chat, null, null, finish)));
        if (request.includeUsage()) client.send(event(OpenAiJson.usageChunk(OpenAiJson.envelope(id, object, created, request.model()), reply)));
        client.send("data: [DONE]\n\n");
        return reply;
    }

    private Reply whole(Context ctx, Session session, CompletionRequest request) throws IOException {
        Reply reply;
        ClientConnection client = new ClientConnection(() -> {
            ctx.status(200);
            ctx.contentType("application/json");
            return ctx.res().getOutputStream();
        }, session);
        try {
            // Leading spaces are valid JSON: they probe the connection while the reply is generated.
            client.heartbeat(" ", HEARTBEAT_MILLIS);
            reply = session.generate(request.prompt(), request.settings(), piece -> {});
        } finally {
            client.close();
        }
        ObjectNode body = OpenAiJson.completion(OpenAiJson.envelope(newId(), chat ? "chat.completion" : "text_completion",
                Instant.now().getEpochSecond(), request.model()), chat, reply);
        String json = OpenAiJson.MAPPER.writeValueAsString(body);
        if (!client.opened()) {
            ctx.status(200).contentType("application/json").result(json);
        } else {
            client.sendLast(json);
        }
        return reply;
    }

    private static String event(ObjectNode json) {
        try {
            return "data: " + OpenAiJson.MAPPER.writeValueAsString(json) + "\n\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private String newId() {
        return (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
    }
}
