package dev.lorillama.api;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.tokenizer.ChatFormat;
import dev.lorillama.tokenizer.ChatFormat.Message;
import dev.lorillama.tokenizer.Role;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.lorillama.runtime.generate.LogitsHook;
import dev.lorillama.runtime.grammar.JsonShape;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * One prompt of a batch ({@link Llama#submit}, {@link Llama#generateAll}): what to continue, with
 * which adapters and settings. Immutable; the {@code with...} methods return changed copies.
 *
 * <pre>{@code
 * Prompt.chat("Is the sky blue?").withAdapters(AdapterMix.of("nlu")).withSettings(GenerationSettings.greedy(32))
 * }</pre>
 */
public final class Prompt {
    private final List<Message> messages; // a chat, or null
    private final String text;            // raw text, or null
    private final boolean withBos;
    private final int[] tokens;           // token ids, or null
    private final AdapterMix adapters;    // null: the model's default mix
    private final GenerationSettings settings;
    private final Set<Integer> stopTokens; // null: the tokenizer's (end of turn, end of text)
    private final int topLogprobs;         // -1: no log-probabilities recorded
    private final BiFunction<Llama, Set<Integer>, LogitsHook> constraint; // (model, stop tokens) → hook; null: any token may follow

    private Prompt(List<Message> messages, String text, boolean withBos, int[] tokens, AdapterMix adapters,
                   GenerationSettings settings, Set<Integer> stopTokens) {
        this(messages, text, withBos, tokens, adapters, settings, stopTokens, -1, null);
    }

    private Prompt(List<Message> messages, String text, boolean withBos, int[] tokens, AdapterMix adapters,
                   GenerationSettings settings, Set<Integer> stopTokens, int topLogprobs,
                   BiFunction<Llama, Set<Integer>, LogitsHook> constraint) {
        this.messages = messages;
        this.text = text;
        this.withBos = withBos;
        this.tokens = tokens;
        this.adapters = adapters;
        this.settings = settings;
        this.stopTokens = stopTokens;
        this.topLogprobs = topLogprobs;
        this.constraint = constraint;
    }

    /** A one-message chat, in the Llama 3 chat template. */
    public static Prompt chat(String userMessage) {
        return chat(List.of(new Message(Role.USER, userMessage)));
    }

    /** A conversation (system, user and assistant messages), in the Llama 3 chat template; the reply is the assistant's next turn. */
    public static Prompt chat(List<Message> messages) {
        if (messages.isEmpty()) throw new IllegalArgumentException("a chat needs at least one message");
        return new Prompt(List.copyOf(messages), null, false, null, null, GenerationSettings.defaults(), null);
    }

    /** Raw text for a base model, after {@code <|begin_of_text|>} when {@code withBos}. */
    public static Prompt text(String text, boolean withBos) {
        return new Prompt(null, text, withBos, null, null, GenerationSettings.defaults(), null);
    }

    /** Token ids as they are. */
    public static Prompt tokens(int[] ids) {
        return new Prompt(null, null, false, ids.clone(), null, GenerationSettings.defaults(), null);
    }

    /** The adapters this prompt runs with (default: the model's default mix). */
    public Prompt withAdapters(AdapterMix mix) {
        return new Prompt(messages, text, withBos, tokens, mix, settings, stopTokens, topLogprobs, constraint);
    }

    /** Sampling, max tokens and stop strings (default: {@link GenerationSettings#defaults()}). */
    public Prompt withSettings(GenerationSettings s) {
        return new Prompt(messages, text, withBos, tokens, adapters, s, stopTokens, topLogprobs, constraint);
    }

    /** The token ids that end the reply (default: the tokenizer's end-of-turn and end-of-text tokens). */
    public Prompt withStopTokens(Set<Integer> ids) {
        return new Prompt(messages, text, withBos, tokens, adapters, settings, Set.copyOf(ids), topLogprobs, constraint);
    }

    /**
     * Records each generated token's log-probability and the {@code top} (0..20) most likely
     * tokens at its step: {@link Generation#logprobs()}.
     */
    public Prompt withLogprobs(int top) {
        if (top < 0 || top > MOST_TOP_LOGPROBS) throw new IllegalArgumentException("top log-probabilities must be 0.." + MOST_TOP_LOGPROBS + ", got " + top);
        return new Prompt(messages, text, withBos, tokens, adapters, settings, stopTokens, top, constraint);
    }

    /** The most alternatives {@link #withLogprobs} reports per token (OpenAI's limit). */
    public static final int MOST_TOP_LOGPROBS = 20;

    /**
     * Restricts which tokens may come next at each step: {@code newHook} makes the hook for one
     * generation (hooks keep state). It sees the logits after log-probabilities are recorded.
     */
    public Prompt withLogitsHook(Supplier<LogitsHook> newHook) {
        return withConstraint((llama, stops) -> newHook.get());
    }

    /**
     * Constrained decoding: the reply is a JSON document valid under {@code schema} (a JSON Schema:
     * see {@link JsonShape} for the keywords that can be enforced) whenever it ends with a stop
     * token; at each step only tokens that keep it a valid prefix may be sampled.
     *
     * @throws IllegalArgumentException naming a keyword of the schema that cannot be enforced
     */
    public Prompt withJsonSchema(JsonNode schema) {
        JsonShape.compile(schema); // refused now rather than when it generates
        JsonNode copy = schema.deepCopy();
        return withConstraint((llama, stops) -> llama.jsonGrammar(copy).newConstraint(stops));
    }

    /** Constrained decoding to any JSON object (OpenAI's JSON mode). */
    public Prompt withJsonObject() {
        return withJsonSchema(JsonNodeFactory.instance.objectNode().put("type", "object"));
    }

    private Prompt withConstraint(BiFunction<Llama, Set<Integer>, LogitsHook> newHook) {
        return new Prompt(messages, text, withBos, tokens, adapters, settings, stopTokens, topLogprobs, newHook);
    }

    int topLogprobs() {
        return topLogprobs;
    }

    LogitsHook newConstraint(Llama llama, Set<Integer> stops) {
        return constraint == null ? null : constraint.apply(llama, stops);
    }

    public GenerationSettings settings() {
        return settings;
    }

    AdapterMix adapters(Llama llama) {
        return adapters != null ? adapters : llama.defaultMix();
    }

    Set<Integer> stopTokens(Llama llama) {
        return stopTokens != null ? stopTokens : llama.tokenizer().stopTokenIds();
    }

    /** The token ids to continue. */
    int[] ids(Llama llama) {
        if (tokens != null) return tokens.clone();
        if (text != null) {
            int[] ids = llama.tokenizer().encodeOrdinary(text);
            int bos = llama.tokenizer().bosId();
            if (!withBos || bos < 0) return ids;
            int[] all = new int[ids.length + 1];
            all[0] = bos;
            System.arraycopy(ids, 0, all, 1, ids.length);
            return all;
        }
        ChatFormat format = llama.chatFormat();
        if (format == null) {
            throw new UserInputException("this model's tokenizer has no Llama 3 chat tokens (<|start_header_id|> ...): use Prompt.text");
        }
        return format.encodeDialogPrompt(messages);
    }
}
