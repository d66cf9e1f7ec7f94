package dev.lorillama.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorillama.api.AdapterMix;
import dev.lorillama.api.GenerationSettings;
import dev.lorillama.api.Llama;
import dev.lorillama.api.Prompt;
import dev.lorillama.runtime.generate.SamplingOptions;
import dev.lorillama.tokenizer.ChatFormat;
import dev.lorillama.tokenizer.ChatFormat.Message;
import dev.lorillama.tokenizer.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A validated {@code /v1/chat/completions} or {@code /v1/completions} request, its prompt already
 * tokenized. Which
 * fields it may carry is decided in {@link RequestFields}.
 *
 * @param model       the name the client asked for (echoed in the response)
 * @param chat        chat completion (template) rather than text completion
 * @param topLogprobs log-probabilities asked for, with this many alternatives per token; -1: none
 * @param echo        for a text completion with {@code echo}: the prompt, which the reply starts with; else null
 * @param jsonSchema  the schema the reply must follow ({@code response_format}'s, {"type": "object"} for JSON mode, or a
 *                    forced tool call's); null: free text
 * @param tools       the tools the reply may call; null: none
 */
record CompletionRequest(String model, AdapterMix mix, int[] prompt, GenerationSettings settings, boolean stream,
                         boolean includeUsage, boolean chat, int topLogprobs, String echo, JsonNode jsonSchema, ToolCalls tools) {
    /** The most alternatives per token {@code /v1/completions} gives ({@code logprobs: 5}), as OpenAI's. */
    static final int MOST_TEXT_LOGPROBS = 5;

    /** Sampling when the request does not say: Meta's defaults for Llama 3 Instruct. */
    static final float DEFAULT_TEMPERATURE = GenerationSettings.DEFAULT_TEMPERATURE;
    static final float DEFAULT_TOP_P = GenerationSettings.DEFAULT_TOP_P;

    static CompletionRequest parse(JsonNode body, boolean chat, ServedModels models, Llama llama) {
        if (!body.isObject()) throw ApiError.invalid(null, "The request body must be a JSON object");
        RequestFields.check(body, chat);
        String model = optionalText(body, "model");
        AdapterMix mix = models.resolve(model);
        ToolCalls tools = chat ? ToolCalls.parse(body) : null;
        if (tools != null && llama.chatFormat() == null) {
            throw ApiError.unsupported("tools", "tools need a model with Llama 3's chat template (<|start_header_id|> ...); this one has none");
        }
        int[] prompt = !chat ? textPrompt(body, llama) : tools != null ? tools.prompt(body.get("messages"), llama.tokenizer()) : chatPrompt(body, llama);
        int room = llama.contextLength() - prompt.length;
        if (room < 1) {
            throw ApiError.contextLengthExceeded(chat ? "messages" : "prompt", "The prompt is " + prompt.length
                    + " tokens; this server's context length is " + llama.contextLength() + " tokens");
        }
        int maxTokens = body.hasNonNull("max_completion_tokens") ? intField(body, "max_completion_tokens", room) : intField(body, "max_tokens", room);
        if (maxTokens < 0) throw ApiError.invalid("max_tokens", "max_tokens must be >= 0, got " + maxTokens);
        float temperature = floatField(body, "temperature", DEFAULT_TEMPERATURE);
        if (!(temperature >= 0 && temperature <= 2)) throw ApiError.invalid("temperature", "temperature must be between 0 and 2, got " + temperature);
        float topP = floatField(body, "top_p", DEFAULT_TOP_P);
        if (!(topP > 0 && topP <= 1)) throw ApiError.invalid("top_p", "top_p must be in (0, 1], got " + topP);
        int topK = intField(body, "top_k", 0);
        if (topK < 0) throw ApiError.invalid("top_k", "top_k must be >= 0, got " + topK);
        float minP = floatField(body, "min_p", 0f);
        if (!(minP >= 0 && minP <= 1)) throw ApiError.invalid("min_p", "min_p must be in [0, 1], got " + minP);
        float repeatPenalty = floatField(body, "repeat_penalty", 1f);
        if (!(repeatPenalty > 0)) throw ApiError.invalid("repeat_penalty", "repeat_penalty must be > 0, got " + repeatPenalty);
        long seed = body.hasNonNull("seed") ? longField(body, "seed") : System.nanoTime();
        SamplingOptions sampling = new SamplingOptions(temperature, topK, topP, minP, repeatPenalty, seed);
        GenerationSettings settings = new GenerationSettings(sampling, Math.min(maxTokens, room), stops(body));
        boolean stream = booleanField(body, "stream");
        boolean includeUsage = stream && body.path("stream_options").path("include_usage").asBoolean(false);
        int topLogprobs = chat ? chatLogprobs(body) : intField(body, "logprobs", -1);
        if (!chat && (topLogprobs < -1 || topLogprobs > MOST_TEXT_LOGPROBS)) {
            throw ApiError.invalid("logprobs", "logprobs must be between 0 and " + MOST_TEXT_LOGPROBS + ", got " + topLogprobs);
        }
        String echo = !chat && booleanField(body, "echo") ? body.get("prompt").isArray() ? body.get("prompt").get(0).asText()
                : body.get("prompt").asText() : null;
        if (echo != null && topLogprobs >= 0) {
            throw ApiError.unsupported("echo", "echo with logprobs (the prompt's own log-probabilities) is not supported; "
                    + "ask for one or the other");
        }
        JsonNode jsonSchema = ResponseFormat.schema(body.get("response_format"));
        if (tools != null && tools.forcedSchema() != null) {
            if (jsonSchema != null) throw ApiError.invalid("response_format", "a JSON response_format cannot be combined with a forced tool_choice");
            jsonSchema = tools.forcedSchema();
        }
        if (jsonSchema != null && !settings.stop().isEmpty()) {
            throw ApiError.unsupported("stop", "stop strings cannot be combined with a JSON response_format (they could cut the JSON)");
        }
        return new CompletionRequest(model == null ? models.baseId() : model, mix, prompt, settings, stream, includeUsage, chat,
                topLogprobs, echo, jsonSchema, tools);
    }

    /** Chat's {@code logprobs: true} with {@code top_logprobs: 0..20}: the alternatives wanted, or -1. */
    private static int chatLogprobs(JsonNode body) {
        boolean wanted = booleanField(body, "logprobs");
        int top = intField(body, "top_logprobs", -1);
        if (top != -1 && !wanted) throw ApiError.invalid("top_logprobs", "top_logprobs needs logprobs: true");
        if (top < -1 || top > Prompt.MOST_TOP_LOGPROBS) {
            throw ApiError.invalid("top_logprobs", "top_logprobs must be between 0 and " + Prompt.MOST_TOP_LOGPROBS + ", got " + top);
        }
        return wanted ? Math.max(top, 0) : -1;
    }

    private static int[] chatPrompt(JsonNode body, Llama llama) {
        ChatFormat format = llama.chatFormat();
        if (format == null) throw ApiError.invalid("messages", "This model's tokenizer has no chat template; use /v1/completions");
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiError.invalid("messages", "messages must be a non-empty array of {role, content}");
        }
        List<Message> dialog = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String param = "messages[" + i + "]";
            Role role = switch (m.path("role").asText("")) {
                case "system", "developer" -> Role.SYSTEM;
                case "user" -> Role.USER;
                case "assistant" -> Role.ASSISTANT;
                default -> throw ApiError.invalid(param + ".role", "role must be system, user or assistant, got " + m.path("role"));
            };
            dialog.add(new Message(role, content(m.get("content"), param + ".content")));
        }
        return format.encodeDialogPrompt(dialog);
    }

    /** A string, or an array of {type: "text", text} parts joined. */
    private static String content(JsonNode content, String param) {
        if (content != null && content.isTextual()) return content.asText();
        if (content != null && content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.invalid(param, "only text content parts ({\"type\": \"text\", \"text\": ...}) are supported");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiError.invalid(param, "content must be a string or an array of text parts");
    }

    /** The prompt text after {@code <|begin_of_text|>}, as a base model saw it in training. */
    private static int[] textPrompt(JsonNode body, Llama llama) {
        JsonNode prompt = body.get("prompt");
        if (prompt != null && prompt.isArray() && prompt.size() == 1) prompt = prompt.get(0);
        if (prompt == null || !prompt.isTextual() || prompt.asText().isEmpty()) {
            throw ApiError.invalid("prompt", "prompt must be a non-empty string");
        }
        int[] ids = llama.tokenizer().encodeOrdinary(prompt.asText());
        int bos = llama.tokenizer().bosId();
        if (bos < 0) return ids;
        int[] all = new int[ids.length + 1];
        all[0] = bos;
        System.arraycopy(ids, 0, all, 1, ids.length);
        return all;
    }

    private static List<String> stops(JsonNode body) {
        JsonNode stop = body.get("stop");
        List<String> stops = new ArrayList<>();
        if (stop == null || stop.isNull()) return stops;
        if (stop.isTextual()) {
            stops.add(stop.asText());
        } else if (stop.isArray()) {
            stop.forEach(s -> {
                if (!s.isTextual()) throw ApiError.invalid("stop", "stop must be a string or an array of strings");
                stops.add(s.asText());
            });
        } else {
            throw ApiError.invalid("stop", "stop must be a string or an array of strings");
        }
        if (stops.size() > 16) throw ApiError.invalid("stop", "at most 16 stop strings, got " + stops.size());
        if (stops.stream().anyMatch(String::isEmpty)) throw ApiError.invalid("stop", "stop strings must not be empty");
        return stops;
    }

    private static String optionalText(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw ApiError.invalid(field, field + " must be a string, got " + kind(v));
        return v.asText();
    }

    private static int intField(JsonNode body, String field, int fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.canConvertToInt() || !v.isIntegralNumber()) throw ApiError.invalid(field, field + " must be an integer, got " + v);
        return v.asInt();
    }

    private static long longField(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw ApiError.invalid(field, field + " must be an integer, got " + v);
        return v.asLong();
    }

    private static float floatField(JsonNode body, String field, float fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.isNumber()) throw ApiError.invalid(field, field + " must be a number, got " + kind(v));
        return v.floatValue();
    }

    private static boolean booleanField(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw ApiError.invalid(field, field + " must be true or false, got " + kind(v));
        return v.asBoolean();
    }

    private static String kind(JsonNode v) {
        return v.getNodeType().toString().toLowerCase(Locale.ROOT);
    }
}
