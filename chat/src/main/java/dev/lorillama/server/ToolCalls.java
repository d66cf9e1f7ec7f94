package dev.lorillama.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.runtime.grammar.JsonShape;
import dev.lorillama.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * OpenAI's {@code tools} in Llama 3.1's JSON tool-calling format, as its chat template writes it
 * (Meta's Hugging Face template, tools in the first user message): the system message starts with
 * "Environment: ipython" and the template's dates, the first user message lists the functions as
 * JSON and asks for a reply of the form {@code {"name": ..., "parameters": {...}}}; an
 * assistant's earlier call is written in that form, a {@code tool} message's result as an
 * {@code ipython} turn. ToolPromptTest compares the ids with the template rendered by jinja2. A reply of
 * that form naming one of the tools comes back as {@code tool_calls}.
 *
 * <p>{@code tool_choice}: "auto" (default) lets the model answer in text or call; "none" leaves
 * the tools out of the prompt; "required", or one named function, constrains decoding to a call
 * whose parameters follow the function's JSON Schema.
 */
final class ToolCalls {
    /** The template's words, as Llama 3.1's chat template has them (its typo "}.Do" included). */
    static final String INSTRUCTION = "Given the following functions, please respond with a JSON for a function call with its proper "
            + "arguments that best answers the given prompt.\n\nRespond in the format {\"name\": function name, \"parameters\": "
            + "dictionary of argument name and its value}.Do not use variables.\n\n";
    static final String ENVIRONMENT = "Environment: ipython\n";

    private final List<JsonNode> tools;   // as the request gave them ({"type": "function", "function": {...}})
    private final List<String> names;
    private final JsonNode forcedSchema;  // the schema of a call decoding must follow, or null ("auto")

    private ToolCalls(List<JsonNode> tools, List<String> names, JsonNode forcedSchema) {
        this.tools = tools;
        this.names = names;
        this.forcedSchema = forcedSchema;
    }

    /** The request's tools; null when it has none, or asks for none ({@code tool_choice: "none"}). */
    static ToolCalls parse(JsonNode body) {
        JsonNode list = body.get("tools");
        if (list == null || list.isNull() || list.isArray() && list.isEmpty()) {
            if (body.hasNonNull("tool_choice") && !"none".equals(body.get("tool_choice").asText(null))) {
                throw ApiError.invalid("tool_choice", "tool_choice needs tools");
            }
            return null;
        }
        if (!list.isArray()) throw ApiError.invalid("tools", "tools must be an array of {\"type\": \"function\", \"function\": {...}}");
        List<JsonNode> tools = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode t = list.get(i);
            JsonNode f = t.path("function");
            if (!"function".equals(t.path("type").asText()) || !f.path("name").isTextual() || f.path("name").asText().isEmpty()) {
                throw ApiError.invalid("tools[" + i + "]", "each tool must be {\"type\": \"function\", \"function\": {\"name\": ..., \"parameters\": {...}}}");
            }
            if (names.contains(f.get("name").asText())) throw ApiError.invalid("tools[" + i + "].function.name", "two tools are named " + f.get("name"));
            tools.add(t);
            names.add(f.get("name").asText());
        }
        JsonNode choice = body.get("tool_choice");
        String mode = choice == null || choice.isNull() ? "auto" : choice.isTextual() ? choice.asText() : "function";
        return switch (mode) {
            case "none" -> null;
            case "auto" -> new ToolCalls(tools, names, null);
            case "required" -> new ToolCalls(tools, names, callSchema(tools, names, null));
            case "function" -> {
                String name = choice.path("function").path("name").asText("");
                if (!names.contains(name)) throw ApiError.invalid("tool_choice", "tool_choice names '" + name + "', which is not among the tools " + names);
                yield new ToolCalls(tools, names, callSchema(tools, names, name));
            }
            default -> throw ApiError.invalid("tool_choice", "tool_choice must be none, auto, required or {\"type\": \"function\", ...}, got " + choice);
        };
    }

    /** {"name": NAME, "parameters": {...}} for each tool (or the one named), as JSON Schema. */
    private static JsonNode callSchema(List<JsonNode> tools, List<String> names, String only) {
        ArrayNode anyOf = OpenAiJson.MAPPER.createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            if (only != null && !only.equals(names.get(i))) continue;
            JsonNode parameters = tools.get(i).path("function").get("parameters");
            ObjectNode call = anyOf.addObject().put("type", "object");
            ObjectNode properties = call.putObject("properties");
            properties.putObject("name").put("const", names.get(i));
            properties.set("parameters", parameters == null || parameters.isNull() ? OpenAiJson.MAPPER.createObjectNode().put("type", "object") : parameters);
            call.putArray("required").add("name").add("parameters");
            try {
                JsonShape.compile(call);
            } catch (IllegalArgumentException e) {
                throw ApiError.unsupported("tools[" + i + "].function.parameters",
                        "tool_choice forces a call, but its parameters cannot be enforced: " + e.getMessage());
            }
        }
        return anyOf.size() == 1 ? anyOf.get(0) : OpenAiJson.MAPPER.createObjectNode().set("anyOf", anyOf);
    }

    /** The schema decoding must follow, or null to let the model answer freely. */
    JsonNode forcedSchema() {
        return forcedSchema;
    }

    /**
     * The prompt's ids, as Llama 3.1's template renders the conversation with these tools
     * (bos, a system turn with "Environment: ipython" and the template's dates, the tools in the
     * first user turn, calls and results in its form, the assistant's header). Only the template's
     * own special tokens are special: text from the request is encoded as plain text, so it
     * cannot forge a turn.
     */
    int[] prompt(JsonNode messages, Tokenizer tokenizer) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiError.invalid("messages", "messages must be a non-empty array of {role, content}");
        }
        Ids ids = new Ids(tokenizer);
        int next = 0;
        String system = "";
        if (role(messages.get(0)).equals("system") || role(messages.get(0)).equals("developer")) {
            system = text(messages.get(0), "messages[0]").strip();
            next = 1;
        }
        ids.special("<|begin_of_text|>").header("system").text(ENVIRONMENT + "Cutting Knowledge Date: December 2023\n"
                + "Today Date: " + DATE + "\n\n" + system).special("<|eot_id|>");
        if (next >= messages.size() || !role(messages.get(next)).equals("user")) {
            throw ApiError.invalid("messages[" + next + "].role", "with tools, the first message after the system message must be the user's");
        }
        StringBuilder first = new StringBuilder(INSTRUCTION);
        for (JsonNode t : tools) first.append(PythonJson.dumps(t, 4)).append("\n\n");
        ids.header("user").text(first.append(text(messages.get(next), "messages[" + next + "]").strip()).toString()).special("<|eot_id|>");
        for (int i = next + 1; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String param = "messages[" + i + "]";
            String role = role(m);
            JsonNode calls = m.get("tool_calls");
            if (role.equals("assistant") && calls != null && calls.isArray() && !calls.isEmpty()) {
                if (calls.size() > 1) throw ApiError.unsupported(param + ".tool_calls", "Llama 3.1's format has one tool call per assistant turn");
                ids.header("assistant").text(callText(calls.get(0), param + ".tool_calls[0]")).special("<|eot_id|>");
            } else if (role.equals("tool") || role.equals("ipython")) {
                JsonNode content = m.get("content");
                // the template writes a result with tojson, a string too (in quotes)
                ids.header("ipython").text(PythonJson.dumps(content == null ? OpenAiJson.MAPPER.nullNode() : content, -1)).special("<|eot_id|>");
            } else if (role.equals("user") || role.equals("assistant") || role.equals("system")) {
                ids.header(role).text(text(m, param).strip()).special("<|eot_id|>");
            } else {
                throw ApiError.invalid(param + ".role", "role must be system, user, assistant or tool, got " + m.path("role"));
            }
        }
        return ids.header("assistant").ids();
    }

    /** The template's default date ({@code date_string}), kept so that a prompt is the same every day. */
    static final String DATE = "26 Jul 2024";

    private static String role(JsonNode message) {
        return message.path("role").asText("");
    }

    private static String text(JsonNode message, String param) {
        JsonNode content = message.get("content");
        if (content != null && content.isTextual()) return content.asText();
        if (content != null && content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.invalid(param + ".content", "only text content parts ({\"type\": \"text\", \"text\": ...}) are supported");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiError.invalid(param + ".content", "content must be a string or an array of text parts");
    }

    /** Token ids built from the template's special tokens and runs of plain text (each run encoded whole, as Hugging Face splits at special tokens). */
    private static final class Ids {
        private final Tokenizer tokenizer;
        private final List<Integer> ids = new ArrayList<>();
        private final StringBuilder run = new StringBuilder();

        Ids(Tokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        Ids special(String name) {
            flush();
            ids.add(tokenizer.specialTokenId(name).orElseThrow(() -> ApiError.unsupported("tools", "this model's tokenizer has no " + name)));
            return this;
        }

        Ids header(String role) {
            return special("<|start_header_id|>").text(role).special("<|end_header_id|>").text("\n\n");
        }

        Ids text(String text) {
            run.append(text);
            return this;
        }

        private void flush() {
            if (run.isEmpty()) return;
            for (int id : tokenizer.encodeOrdinary(run.toString())) ids.add(id);
            run.setLength(0);
        }

        int[] ids() {
            flush();
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** An assistant's earlier call, as the template writes it: {"name": "NAME", "parameters": {...}}. */
    static String callText(JsonNode toolCall, String param) {
        JsonNode f = toolCall.path("function");
        if (!f.path("name").isTextual()) throw ApiError.invalid(param + ".function.name", "a tool call needs function.name");
        JsonNode arguments;
        try {
            arguments = f.path("arguments").isTextual() ? OpenAiJson.MAPPER.readTree(f.get("arguments").asText()) : f.path("arguments");
        } catch (JsonProcessingException e) {
            throw ApiError.invalid(param + ".function.arguments", "function.arguments must be a JSON object in a string: " + e.getOriginalMessage());
        }
        JsonNode parameters = arguments == null || arguments.isMissingNode() ? OpenAiJson.MAPPER.createObjectNode() : arguments;
        return "{\"name\": \"" + f.get("name").asText() + "\", \"parameters\": " + PythonJson.dumps(parameters, -1) + "}";
    }

    /** The reply as a call of one of the tools ({"id", "type": "function", "function": {"name", "arguments"}}), or null when it is text. */
    ObjectNode call(String reply) {
        String text = reply.strip();
        if (!text.startsWith("{")) return null;
        JsonNode json;
        try {
            json = OpenAiJson.MAPPER.readTree(text);
        } catch (JsonProcessingException notJson) {
            return null;
        }
        JsonNode parameters = json.has("parameters") ? json.get("parameters") : json.get("arguments");
        if (!json.path("name").isTextual() || !names.contains(json.get("name").asText()) || parameters == null || !parameters.isObject()) return null;
        ObjectNode call = OpenAiJson.MAPPER.createObjectNode();
        call.put("id", "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24));
        call.put("type", "function");
        ObjectNode function = call.putObject("function");
        function.put("name", json.get("name").asText());
        function.put("arguments", parameters.toString());
        return call;
    }
}
