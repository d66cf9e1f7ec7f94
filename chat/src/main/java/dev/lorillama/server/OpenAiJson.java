package dev.lorillama.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.api.FinishReason;
import dev.lorillama.api.Reply;
import dev.lorillama.api.TokenLogprob;
import java.util.List;

/** The JSON shapes of OpenAI's API: completions, stream chunks, usage, models, errors. */
final class OpenAiJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private OpenAiJson() {}

    static String finishReason(FinishReason reason) {
        return reason == FinishReason.STOP ? "stop" : "length";
    }

    /** The object every response and chunk of one request starts with. */
    static ObjectNode envelope(String id, String object, long created, String model) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("id", id);
        o.put("object", object);
        o.put("created", created);
        o.put("model", model);
        o.putNull("system_fingerprint");
        return o;
    }

    static ObjectNode usage(Reply reply) {
        ObjectNode u = MAPPER.createObjectNode();
        u.put("prompt_tokens", reply.promptTokens());
        u.put("completion_tokens", reply.completionTokens());
        u.put("total_tokens", reply.promptTokens() + reply.completionTokens());
        return u;
    }

    /** Chat's {@code logprobs}: {"content": [{token, logprob, bytes, top_logprobs: [...]}], "refusal": null}. */
    static ObjectNode chatLogprobs(List<TokenLogprob> entries) {
        ObjectNode logprobs = MAPPER.createObjectNode();
        ArrayNode content = logprobs.putArray("content");
        for (TokenLogprob e : entries) {
            ObjectNode o = tokenLogprob(content.addObject(), e);
            ArrayNode top = o.putArray("top_logprobs");
            for (TokenLogprob t : e.top()) tokenLogprob(top.addObject(), t);
        }
        logprobs.putNull("refusal");
        return logprobs;
    }

    private static ObjectNode tokenLogprob(ObjectNode o, TokenLogprob e) {
        o.put("token", e.token());
        o.put("logprob", e.logprob());
        ArrayNode bytes = o.putArray("bytes");
        for (byte b : e.bytes()) bytes.add(b & 0xFF);
        return o;
    }

    /**
     * The legacy completions' {@code logprobs}: parallel arrays {@code tokens}, {@code token_logprobs},
     * {@code top_logprobs} (token → logprob per position) and {@code text_offset} (each token's
     * character offset in the text, from {@code offset}).
     */
    static ObjectNode textLogprobs(List<TokenLogprob> entries, int offset) {
        ObjectNode logprobs = MAPPER.createObjectNode();
        ArrayNode tokens = logprobs.putArray("tokens");
        ArrayNode values = logprobs.putArray("token_logprobs");
        ArrayNode tops = logprobs.putArray("top_logprobs");
        ArrayNode offsets = logprobs.putArray("text_offset");
        int at = offset;
        for (TokenLogprob e : entries) {
            tokens.add(e.token());
            values.add(e.logprob());
            ObjectNode top = tops.addObject();
            for (TokenLogprob t : e.top()) top.put(t.token(), t.logprob());
            offsets.add(at);
            at += e.token().length();
        }
        return logprobs;
    }

    /** A whole (non-streamed) chat or text completion. */
    static ObjectNode completion(ObjectNode envelope, boolean chat, Reply reply) {
        return completion(envelope, chat, reply.text(), reply, null);
    }

    /** A whole completion with this text (the reply's, or the prompt's and the reply's for echo) and these logprobs (or null). */
    static ObjectNode completion(ObjectNode envelope, boolean chat, String text, Reply reply, ObjectNode logprobs) {
        ObjectNode choice = envelope.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", text);
        } else {
            choice.put("text", text);
        }
        if (logprobs == null) choice.putNull("logprobs");
        else choice.set("logprobs", logprobs);
        choice.put("finish_reason", finishReason(reply.finishReason()));
        envelope.set("usage", usage(reply));
        return envelope;
    }

    /** The choice's message becomes a tool call: no content, {@code tool_calls}, finish reason "tool_calls". */
    static ObjectNode asToolCall(ObjectNode completion, ObjectNode call) {
        ObjectNode choice = (ObjectNode) completion.get("choices").get(0);
        ObjectNode message = (ObjectNode) choice.get("message");
        message.putNull("content");
        message.putArray("tool_calls").add(call);
        choice.put("finish_reason", "tool_calls");
        return completion;
    }

    /** A streamed chunk with the whole tool call in its delta (OpenAI's chunks carry an index in each call). */
    static ObjectNode toolCallChunk(ObjectNode envelope, ObjectNode call) {
        ObjectNode choice = envelope.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        ObjectNode indexed = delta.putArray("tool_calls").addObject().put("index", 0);
        indexed.setAll(call);
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return envelope;
    }

    /** One streamed piece: a chat delta (with the role in the first) or a text fragment, and a finish reason in the last. */
    static ObjectNode chunk(ObjectNode envelope, boolean chat, String role, String text, String finishReason) {
        return chunk(envelope, chat, role, text, finishReason, null);
    }

    /** {@link #chunk}, with the logprobs of the chunk's tokens (or null). */
    static ObjectNode chunk(ObjectNode envelope, boolean chat, String role, String text, String finishReason, ObjectNode logprobs) {
        ObjectNode choice = envelope.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode delta = choice.putObject("delta");
            if (role != null) delta.put("role", role);
            if (text != null) delta.put("content", text);
        } else {
            choice.put("text", text == null ? "" : text);
        }
        if (logprobs == null) choice.putNull("logprobs");
        else choice.set("logprobs", logprobs);
        if (finishReason == null) choice.putNull("finish_reason");
        else choice.put("finish_reason", finishReason);
        return envelope;
    }

    /** The extra last chunk of {@code stream_options.include_usage}: no choices, the usage. */
    static ObjectNode usageChunk(ObjectNode envelope, Reply reply) {
        envelope.putArray("choices");
        envelope.set("usage", usage(reply));
        return envelope;
    }

    static ObjectNode models(List<String> ids, long created) {
        ObjectNode list = MAPPER.createObjectNode();
        list.put("object", "list");
        var data = list.putArray("data");
        for (String id : ids) data.add(model(id, created));
        return list;
    }

    /** One model object, as /v1/models lists it and /v1/models/{id} returns it. */
    static ObjectNode model(String id, long created) {
        ObjectNode m = MAPPER.createObjectNode();
        m.put("id", id);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "lorillama");
        return m;
    }

    static ObjectNode error(String message, String type, String param, String code) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", message);
        e.put("type", type);
        if (param == null) e.putNull("param");
        else e.put("param", param);
        if (code == null) e.putNull("code");
        else e.put("code", code);
        return root;
    }
}
