package dev.lorillama.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.api.FinishReason;
import dev.lorillama.api.Reply;
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

    /** A whole (non-streamed) chat or text completion. */
    static ObjectNode completion(ObjectNode envelope, boolean chat, Reply reply) {
        ObjectNode choice = envelope.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", reply.text());
        } else {
            choice.put("text", reply.text());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(reply.finishReason()));
        envelope.set("usage", usage(reply));
        return envelope;
    }

    /** One streamed piece: a chat delta (with the role in the first) or a text fragment, and a finish reason in the last. */
    static ObjectNode chunk(ObjectNode envelope, boolean chat, String role, String text, String finishReason) {
        ObjectNode choice = envelope.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode delta = choice.putObject("delta");
            if (role != null) delta.put("role", role);
            if (text != null) delta.put("content", text);
        } else {
            choice.put("text", text == null ? "" : text);
        }
        choice.putNull("logprobs");
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
        for (String id : ids) {
            ObjectNode m = data.addObject();
            m.put("id", id);
            m.put("object", "model");
            m.put("created", created);
            m.put("owned_by", "lorillama");
        }
        return list;
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
