package dev.lorillama.runtime.generate;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import java.util.Arrays;

/** The generation loop: ingest the prompt as a batch, then sample one token at a time. */
public final class Generator {
    private Generator() {}

    /**
     * Continues the sequence in {@code state} with {@code prompt}, then generates. The listener sees
     * every generated token (stop tokens included, so callers can tell the end); the result's
     * tokens exclude the stop token.
     */
    public static GenerationResult generate(LlamaModel model, InferenceState state, LinearProvider linears,
                                            int[] prompt, GenerationOptions options, TokenListener listener) {
        if (prompt.length == 0) throw new UserInputException("the prompt is empty: give at least one token");
        if (state.position() + prompt.length >= state.contextLength()) {
            throw new UserInputException("prompt of " + prompt.length + " tokens (+" + state.position()
                    + " already in context) leaves no room in the context length of " + state.contextLength());
        }
        int vocab = model.config().vocabSize();
        Sampler sampler = new Sampler(options.sampling());
        int[] history = Arrays.copyOf(prompt, prompt.length + options.maxNewTokens());
        int historyLength = prompt.length;
        int[] generated = new int[options.maxNewTokens()];
        int count = 0;
        int[] single = new int[1];

        long start = System.nanoTime();
        float[] logits = model.ingest(state, prompt, 0, prompt.length, linears, false);
        long prefillNanos = System.nanoTime() - start;
        start = System.nanoTime();
        StopReason reason = StopReason.MAX_TOKENS;
        while (count < options.maxNewTokens()) {
            int token = sampler.next(logits, vocab, history, historyLength);
            history[historyLength++] = token;
            boolean keepGoing = listener.onToken(token);
            if (options.stopTokens().contains(token)) {
                reason = StopReason.STOP_TOKEN;
                break;
            }
            generated[count++] = token;
            if (!keepGoing || Thread.currentThread().isInterrupted()) {
                reason = StopReason.CANCELLED;
                break;
            }
            if (count == options.maxNewTokens()) break;
            if (state.position() >= state.contextLength()) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            single[0] = token;
            logits = model.ingest(state, single, 0, 1, linears, false);
        }
        long decodeNanos = System.nanoTime() - start;
        return new GenerationResult(Arrays.copyOf(generated, count), reason, prompt.length, prefillNanos, decodeNanos);
    }
}
