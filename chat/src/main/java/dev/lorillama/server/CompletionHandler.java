package dev.lorillama.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.api.Generation;
import dev.lorillama.api.Llama;
import dev.lorillama.api.Prompt;
import dev.lorillama.api.Reply;
import dev.lorillama.api.TokenLogprob;
import dev.lorillama.runtime.generate.QueueFullException;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Serves {@code POST /v1/chat/completions} and {@code POST /v1/completions}: validates the
 * request, hands it to the model's batch ({@link Llama#submit}: it generates together with the
 * other requests, with its own adapters applied unmerged on the shared base) and writes the reply
 * from this request's thread, streamed as server-sent events or as one JSON object. When the
 * batch is full and its queue too, the request is refused at once: 503 with Retry-After.
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
    private final long maxBodyBytes;

    CompletionHandler(boolean chat, Llama llama, ServedModels models, long maxBodyBytes) {
        this.chat = chat;
        this.llama = llama;
        this.models = models;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void handle(Context ctx) throws Exception {
        CompletionRequest request = CompletionRequest.parse(body(ctx, maxBodyBytes), chat, models, llama);
        ctx.attribute(RequestLog.MODEL, request.model());
        Prompt prompt = Prompt.tokens(request.prompt()).withAdapters(request.mix()).withSettings(request.settings());
        if (request.topLogprobs() >= 0) prompt = prompt.withLogprobs(request.topLogprobs());
        if (request.jsonSchema() != null) prompt = prompt.withJsonSchema(request.jsonSchema());
        Generation generation;
        try {
            generation = llama.submit(prompt);
        } catch (QueueFullException e) {
            throw ApiError.busy(e.getMessage(), e.retryAfterSeconds());
        }
        try {
            Reply reply = request.stream() ? stream(ctx, generation, request) : whole(ctx, generation, request);
            if (reply != null) ctx.attribute(RequestLog.TOKENS, reply.promptTokens() + "+" + reply.completionTokens());
        } finally {
            generation.cancel(); // a failure while writing must not leave it generating
        }
    }

    /** The logprobs of the tokens that {@code text} completes, in this endpoint's shape; null when not asked for. */
    private ObjectNode logprobs(LogprobCursor cursor, String text, Generation generation, int textOffset) {
        if (cursor == null) return null;
        List<TokenLogprob> entries = cursor.after(text, generation.logprobs());
        return chat ? OpenAiJson.chatLogprobs(entries) : OpenAiJson.textLogprobs(entries, textOffset);
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

    private Reply stream(Context ctx, Generation generation, CompletionRequest request) {
        ctx.status(200);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        ClientConnection client = new ClientConnection(() -> ctx.res().getOutputStream(), generation::cancel);
        String id = newId();
        long created = Instant.now().getEpochSecond();
        String object = chat ? "chat.completion.chunk" : "text_completion";
        LogprobCursor cursor = request.topLogprobs() >= 0 ? new LogprobCursor(llama.tokenizer(), Integer.MAX_VALUE) : null;
        if (chat) client.send(event(OpenAiJson.chunk(OpenAiJson.envelope(id, object, created, request.model()), true, "assistant", "", null)));
        if (request.echo() != null) {
            client.send(event(OpenAiJson.chunk(OpenAiJson.envelope(id, object, created, request.model()), false, null, request.echo(), null)));
        }
        if (request.tools() != null) return streamToolCall(client, generation, request, OpenAiJson.envelope(id, object, created, request.model()));
        int[] sentChars = {request.echo() == null ? 0 : request.echo().length()};
        Reply reply = generation.stream(piece -> {
            ObjectNode logprobs = logprobs(cursor, piece, generation, sentChars[0]);
            sentChars[0] += piece.length();
            client.send(event(OpenAiJson.chunk(OpenAiJson.envelope(id, object, created, request.model()), chat, null, piece, null, logprobs)));
        });
        if (client.gone()) return reply;
        String finish = OpenAiJson.finishReason(reply.finishReason());
        client.send(event(OpenAiJson.chunk(OpenAiJson.envelope(id, object, created, request.model()), chat, null, null, finish)));
        if (request.includeUsage()) client.send(event(OpenAiJson.usageChunk(OpenAiJson.envelope(id, object, created, request.model()), reply)));
        client.send("data: [DONE]\n\n");
        return reply;
    }

    /**
     * With tools the reply is a call or text, which only its end tells: it is sent whole, as a
     * tool call's delta or as one content delta, then the finish reason.
     */
    private Reply streamToolCall(ClientConnection client, Generation generation, CompletionRequest request, ObjectNode envelope) {
        Reply reply = generation.reply();
        ObjectNode call = request.tools().call(reply.text());
        String model = request.model();
        String id = envelope.get("id").asText();
        long created = envelope.get("created").asLong();
        if (call != null) client.send(event(OpenAiJson.toolCallChunk(envelope, call)));
        else client.send(event(OpenAiJson.chunk(envelope, true, null, reply.text(), null)));
        String finish = call != null ? "tool_calls" : OpenAiJson.finishReason(reply.finishReason());
        client.send(event(OpenAiJson.chunk(OpenAiJson.envelope(id, "chat.completion.chunk", created, model), true, null, null, finish)));
        if (request.includeUsage()) client.send(event(OpenAiJson.usageChunk(OpenAiJson.envelope(id, "chat.completion.chunk", created, model), reply)));
        client.send("data: [DONE]\n\n");
        return reply;
    }

    private Reply whole(Context ctx, Generation generation, CompletionRequest request) throws IOException {
        Reply reply;
        ClientConnection client = new ClientConnection(() -> {
            ctx.status(200);
            ctx.contentType("application/json");
            return ctx.res().getOutputStream();
        }, generation::cancel);
        try {
            // Leading spaces are valid JSON: they probe the connection while the reply is generated.
            client.heartbeat(" ", HEARTBEAT_MILLIS);
            reply = generation.reply();
        } finally {
            client.close();
        }
        LogprobCursor cursor = request.topLogprobs() >= 0 ? new LogprobCursor(llama.tokenizer(), reply.completionTokens()) : null;
        String text = request.echo() == null ? reply.text() : request.echo() + reply.text();
        ObjectNode body = OpenAiJson.completion(OpenAiJson.envelope(newId(), chat ? "chat.completion" : "text_completion",
                Instant.now().getEpochSecond(), request.model()), chat, text, reply, logprobs(cursor, reply.text(), generation, 0));
        ObjectNode call = request.tools() == null ? null : request.tools().call(reply.text());
        if (call != null) OpenAiJson.asToolCall(body, call);
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
