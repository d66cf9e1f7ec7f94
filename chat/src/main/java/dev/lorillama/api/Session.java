package dev.lorillama.api;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.generate.GenerationOptions;
import dev.lorillama.runtime.generate.GenerationResult;
import dev.lorillama.runtime.generate.Generator;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.tokenizer.ChatFormat;
import dev.lorillama.tokenizer.ChatFormat.Message;
import dev.lorillama.tokenizer.Role;
import dev.lorillama.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One conversation (or one scoring job) over a {@link Llama}: it owns a KV cache, the dialog so
 * far and the adapters it applies.
 *
 * <p>Between calls the cache keeps the tokens of the last prompt and reply; the next call
 * recomputes only what differs from them (a chat turn costs its new tokens, not the whole
 * conversation).
 *
 * <p><b>Thread safety.</b> A session serves one caller at a time: its methods are synchronized,
 * so a second thread waits for the first. {@link #cancel()} is the exception: call it from any
 * thread (a Ctrl-C handler, a server noticing a closed connection) to end the reply in progress.
 * Different sessions of the same {@code Llama} run concurrently and share no mutable state.
 */
public final class Session implements AutoCloseable {
    private static final int PREFILL_CHUNK = 64; // tokens between cancellation checks while reading a prompt

    private final Llama llama;
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final InferenceState state;
    private final List<Message> dialog = new ArrayList<>();
    private String systemPrompt;
    private AdapterMix mix;
    private LinearProvider linears;
    private int[] cached = new int[0]; // the tokens in the KV cache, state.position() of them
    private volatile boolean cancelRequested;

    Session(Llama llama) {
        this.llama = llama;
        this.model = llama.model();
        this.tokenizer = llama.tokenizer();
        this.state = model.newState(llama.contextLength());
        this.mix = llama.defaultMix();
        this.linears = llama.linears(mix);
    }

    /**
     * Applies these adapters from now on (unmerged, so switching costs nothing but the KV cache:
     * the conversation is recomputed with the new adapters at the next call).
     *
     * @throws UserInputException if an adapter name is not loaded
     */
    public synchronized void useAdapters(AdapterMix newMix) {
        LinearProvider next = llama.linears(newMix);
        if (next != linears) forgetCache();
        mix = newMix;
        linears = next;
    }

    public synchronized AdapterMix adapters() {
        return mix;
    }

    /** The system message of the chat (null for none); applies from the next turn on. */
    public synchronized void setSystemPrompt(String text) {
        systemPrompt = text == null || text.isBlank() ? null : text;
    }

    /**
     * Adds a user message to the conversation and generates the assistant's reply with the Llama 3
     * chat template, streaming it to {@code listener}. The reply (even a cancelled one) joins the
     * conversation. When the conversation no longer fits the context, its oldest turns are dropped
     * for good, and {@link Reply#droppedMessages()} says how many.
     *
     * @throws UserInputException if the model's tokenizer has no chat template or the message alone does not fit
     */
    public synchronized Reply chat(String userMessage, GenerationSettings settings, TextListener listener) {
        ChatFormat format = llama.chatFormat();
        if (format == null) {
            throw new UserInputException("this model's tokenizer has no Llama 3 chat tokens (<|start_header_id|> ...): "
                    + "use raw completion");
        }
        dialog.add(new Message(Role.USER, userMessage));
        int before = dialog.size();
        int[] prompt = fitDialog(format);
        Reply reply = generate(prompt, settings, listener);
        dialog.add(new Message(Role.ASSISTANT, reply.text()));
        return before == dialog.size() - 1 ? reply : reply.withDroppedMessages(before - (dialog.size() - 1));
    }

    /** The messages so far, system message first. */
    public synchronized List<Message> conversation() {
        List<Message> all = new ArrayList<>();
        if (systemPrompt != null) all.add(new Message(Role.SYSTEM, systemPrompt));
        all.addAll(dialog);
        return all;
    }

    /** Forgets the conversation (the system prompt stays). */
    public synchronized void clearConversation() {
        dialog.clear();
    }

    private int[] fitDialog(ChatFormat format) {
        while (true) {
            int[] prompt = format.encodeDialogPrompt(conversation());
            if (prompt.length < state.contextLength()) return prompt;
            if (dialog.size() <= 1) {
                dialog.clear();
                throw new UserInputException("the message is " + prompt.length + " tokens with the chat template; "
                        + "the context length is " + state.contextLength());
            }
            dialog.subList(0, 2).clear(); // the oldest user message and its reply
        }
    }

    /**
     * Continues {@code text} as a base model would: plain text after {@code <|begin_of_text|>} (when
     * {@code withBos} and the tokenizer has one), no chat template, no conversation.
     */
    public synchronized Reply complete(String text, boolean withBos, GenerationSettings settings, TextListener listener) {
        return generate(completionPrompt(text, withBos), settings, listener);
    }

    /** The token ids {@link #complete} would read for {@code text}. */
    public int[] completionPrompt(String text, boolean withBos) {
        int[] ids = tokenizer.encodeOrdinary(text);
        if (!withBos || tokenizer.bosId() < 0) return ids;
        int[] all = new int[ids.length + 1];
        all[0] = tokenizer.bosId();
        System.arraycopy(ids, 0, all, 1, ids.length);
        return all;
    }

    /**
     * Generates after the given token ids (the low-level entry point: {@link #chat} and
     * {@link #complete} build the ids and call this).
     */
    public synchronized Reply generate(int[] prompt, GenerationSettings settings, TextListener listener) {
        try {
            return run(prompt, settings, listener);
        } catch (RuntimeException e) {
            forgetCache(); // the cache may hold part of this prompt: start clean next time
            throw e;
        }
    }

    private Reply run(int[] prompt, GenerationSettings settings, TextListener listener) {
        if (prompt.length == 0) throw new UserInputException("the prompt is empty");
        if (prompt.length >= state.contextLength()) {
            throw new UserInputException("the prompt is " + prompt.length + " tokens; the context length is "
                    + state.contextLength() + " (it must leave room for at least one new token)");
        }
        cancelRequested = false;
        int reused = reuseCachedPrefix(prompt, prompt.length - 1);
        long start = System.nanoTime();
        for (int at = reused; at < prompt.length - 1; at += PREFILL_CHUNK) {
            if (cancelRequested) {
                remember(prompt, state.position());
                return new Reply("", new int[0], FinishReason.CANCELLED, prompt.length, reused, 0, 0);
            }
            model.ingest(state, prompt, at, Math.min(PREFILL_CHUNK, prompt.length - 1 - at), linears, false);
        }
        long prefillNanos = System.nanoTime() - start;

        ReplyText text = new ReplyText(tokenizer, tokenizer.stopTokenIds(), settings, listener);
        int room = state.contextLength() - prompt.length;
        GenerationOptions options = new GenerationOptions(settings.sampling(), Math.min(settings.maxTokens(), room),
                tokenizer.stopTokenIds());
        GenerationResult result = Generator.generate(model, state, linears, new int[] {prompt[prompt.length - 1]}, options,
                token -> text.accept(token) && !cancelRequested);
        text.finish();
        int[] all = Arrays.copyOf(prompt, prompt.length + result.tokens().length);
        System.arraycopy(result.tokens(), 0, all, prompt.length, result.tokens().length);
        remember(all, state.position());
        GenerationResult whole = new GenerationResult(result.tokens(), result.stopReason(), prompt.length,
                prefillNanos + result.prefillNanos(), result.decodeNanos());
        return text.reply(whole, settings, reused, whole.prefillNanos());
    }

    /**
     * The log-likelihood of {@code continuation} after {@code context} (the context after
     * {@code <|begin_of_text|>}), both encoded as plain text, separately, as lm-evaluation-harness
     * does. For multiple choice, score each choice and take the largest sum.
     */
    public synchronized LogLikelihood logLikelihood(String context, String continuation) {
        return logLikelihood(completionPrompt(context, true), tokenizer.encodeOrdinary(continuation));
    }

    /** The log-likelihood of the {@code continuation} ids after the {@code context} ids. */
    public synchronized LogLikelihood logLikelihood(int[] context, int[] continuation) {
        try {
            return score(context, continuation);
        } catch (RuntimeException e) {
            forgetCache();
            throw e;
        }
    }

    private LogLikelihood score(int[] context, int[] continuation) {
        if (context.length == 0 || continuation.length == 0) throw new UserInputException("context and continuation must not be empty");
        int total = context.length + continuation.length;
        if (total > state.contextLength()) {
            throw new UserInputException(total + " tokens do not fit the context length " + state.contextLength());
        }
        int[] all = Arrays.copyOf(context, total);
        System.arraycopy(continuation, 0, all, context.length, continuation.length);
        int reused = reuseCachedPrefix(all, context.length - 1);
        if (reused < context.length - 1) model.ingest(state, all, reused, context.length - 1 - reused, linears, false);
        // logits at the last context token and every continuation token but the last predict the continuation
        float[] logits = model.ingest(state, all, context.length - 1, continuation.length, linears, true);
        remember(all, state.position());
        int vocab = model.config().vocabSize();
        double[] logProbs = new double[continuation.length];
        double sum = 0;
        boolean greedy = true;
        for (int i = 0; i < continuation.length; i++) {
            int offset = i * vocab;
            float max = Float.NEGATIVE_INFINITY;
            int argmax = 0;
            for (int v = 0; v < vocab; v++) {
                if (logits[offset + v] > max) {
                    max = logits[offset + v];
                    argmax = v;
                }
            }
            double z = 0;
            for (int v = 0; v < vocab; v++) z += Math.exp(logits[offset + v] - max);
            logProbs[i] = logits[offset + continuation[i]] - max - Math.log(z);
            sum += logProbs[i];
            greedy &= argmax == continuation[i];
        }
        return new LogLikelihood(sum, logProbs, greedy);
    }

    /**
     * Ends the reply in progress as soon as the current token is done (its {@link Reply} says
     * {@link FinishReason#CANCELLED}). Safe to call from any thread; does nothing when idle.
     */
    public void cancel() {
        cancelRequested = true;
    }

    /** Forgets the conversation and the cache (adapters and system prompt stay). */
    public synchronized void reset() {
        dialog.clear();
        forgetCache();
    }

    @Override
    public void close() {
        cancel();
    }

    /** Rewinds the cache to the longest prefix it shares with {@code tokens}, at most {@code limit}; returns its length. */
    private int reuseCachedPrefix(int[] tokens, int limit) {
        int common = 0;
        int max = Math.min(Math.min(cached.length, state.position()), limit);
        while (common < max && cached[common] == tokens[common]) common++;
        state.rewind(common);
        return common;
    }

    private void remember(int[] tokens, int count) {
        cached = Arrays.copyOf(tokens, count);
    }

    private void forgetCache() {
        cached = new int[0];
        state.reset();
    }
}
