package dev.lorillama.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The one place that decides which fields of a completion request this server honours. A field
 * that would change the reply but is not implemented here ({@code n > 1}, {@code logit_bias}, ...) is refused with a 400 naming it, never silently ignored;
 * a field that changes nothing a client could notice ({@code user}, {@code metadata}) is accepted;
 * an unknown field is refused, as OpenAI's own API does. Implementing one of the refused fields
 * means moving it from {@link #REFUSED} to {@link #USED} here and reading it in {@link CompletionRequest}.
 */
final class RequestFields {
    /** Read by {@link CompletionRequest} on both endpoints. */
    private static final Set<String> USED = Set.of("model", "stream", "stream_options", "max_tokens", "max_completion_tokens",
            "temperature", "top_p", "top_k", "min_p", "repeat_penalty", "seed", "stop", "response_format");
    /** Read on /v1/chat/completions only. */
    private static final Set<String> USED_BY_CHAT = Set.of("messages", "logprobs", "top_logprobs", "tools", "tool_choice");
    /** Read on /v1/completions only ({@code logprobs} is a number there). */
    private static final Set<String> USED_BY_TEXT = Set.of("prompt", "logprobs", "echo");
    /** Accepted whatever their value: they only label the request. */
    private static final Set<String> IGNORED = Set.of("user", "metadata", "store", "service_tier", "parallel_tool_calls");
    /** Field → the values that mean "not asked for" (accepted); any other value is refused with the reason. */
    private static final Map<String, Refusal> REFUSED = new LinkedHashMap<>();

    private record Refusal(Predicate<JsonNode> harmless, String reason) {}

    static {
        refuse("n", v -> v.isIntegralNumber() && v.asLong() == 1, "only one choice per request is supported (n = 1)");
        refuse("functions", v -> v.isArray() && v.isEmpty(), "the deprecated functions are not supported: use tools");
        refuse("function_call", v -> v.isTextual() && v.asText().equals("none"), "the deprecated function_call is not supported: use tool_choice");
        refuse("logit_bias", v -> v.isObject() && v.isEmpty(), "logit_bias is not supported by this server");
        refuse("presence_penalty", v -> v.isNumber() && v.doubleValue() == 0, "presence_penalty is not supported (use repeat_penalty)");
        refuse("frequency_penalty", v -> v.isNumber() && v.doubleValue() == 0, "frequency_penalty is not supported (use repeat_penalty)");
        refuse("best_of", v -> v.isIntegralNumber() && v.asLong() == 1, "only best_of = 1 is supported");
        refuse("suffix", v -> v.isTextual() && v.asText().isEmpty(), "suffix (insertion) is not supported by this server");
    }

    private static void refuse(String field, Predicate<JsonNode> harmless, String reason) {
        REFUSED.put(field, new Refusal(harmless, reason));
    }

    private RequestFields() {}

    /** Throws a 400 naming the first field that is unknown, or set to a value this server does not implement. */
    static void check(JsonNode body, boolean chat) {
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (USED.contains(name) || IGNORED.contains(name) || (chat ? USED_BY_CHAT : USED_BY_TEXT).contains(name)) continue;
            Refusal refusal = REFUSED.get(name);
            if (refusal == null) throw ApiError.unknownParameter(name, "Unrecognized request argument supplied: " + name);
            if (!value.isNull() && !refusal.harmless().test(value)) {
                throw ApiError.unsupported(name, name + " = " + abbreviated(value) + ": " + refusal.reason());
            }
        }
    }

    private static String abbreviated(JsonNode value) {
        String text = value.toString();
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
