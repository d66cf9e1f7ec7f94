package dev.lorillama.api;

import dev.lorillama.runtime.generate.Ticket;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A reply being generated in a batch with others ({@link Llama#submit}): read its text as it
 * comes ({@link #stream}), wait for it ({@link #reply}), or {@link #cancel} it. Any thread may
 * call these; the text arrives in order, in the pieces a {@link TextListener} would get.
 */
public final class Generation {
    /** Marks the end of the pieces. */
    private static final String END = new String("end");

    private final LinkedBlockingQueue<String> pieces = new LinkedBlockingQueue<>();
    private final CompletableFuture<Reply> reply = new CompletableFuture<>();
    private volatile Ticket ticket;
    private final LogprobRecorder logprobs; // null: not asked for
    private boolean ended; // the reader saw END

    Generation(LogprobRecorder logprobs) {
        this.logprobs = logprobs;
    }

    /**
     * The log-probabilities of the tokens generated so far, one per token in order (the stop token
     * too, when it was generated); empty unless the prompt asked ({@link Prompt#withLogprobs}).
     */
    public List<TokenLogprob> logprobs() {
        return logprobs == null ? List.of() : logprobs.entries();
    }

    /** Where the scheduler's thread puts each piece of text. */
    TextListener sink() {
        return pieces::add;
    }

    void started(Ticket t) {
        this.ticket = t;
    }

    void finished(Reply r) {
        reply.complete(r);
        pieces.add(END);
    }

    void failed(Throwable e) {
        reply.completeExceptionally(e);
        pieces.add(END);
    }

    /**
     * Hands each piece of text to {@code listener} on this thread as it is generated, and returns
     * the reply when it is complete. Interrupted, it cancels the generation and returns the
     * cancelled reply (the thread's interrupt flag stays set).
     */
    public Reply stream(TextListener listener) {
        boolean interrupted = false;
        while (!ended) {
            String piece;
            try {
                piece = pieces.take();
            } catch (InterruptedException e) {
                interrupted = true;
                cancel();
                continue;
            }
            if (piece == END) ended = true;
            else listener.onText(piece);
        }
        if (interrupted) Thread.currentThread().interrupt();
        return reply();
    }

    /** Waits for the whole reply (its pieces are not delivered anywhere else). */
    public Reply reply() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return reply.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                    cancel();
                } catch (ExecutionException e) {
                    throw unwrap(e.getCause());
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private static RuntimeException unwrap(Throwable cause) {
        if (cause instanceof CompletionException c && c.getCause() != null) cause = c.getCause();
        if (cause instanceof RuntimeException r) return r;
        if (cause instanceof Error e) throw e;
        return new CancellationException(String.valueOf(cause));
    }

    /** Whether the reply is complete. */
    public boolean isDone() {
        return reply.isDone();
    }

    /**
     * Ends the reply after the current step (its {@link Reply#finishReason()} is
     * {@link FinishReason#CANCELLED}); a prompt still waiting to join never runs. Safe from any thread.
     */
    public void cancel() {
        Ticket t = ticket;
        if (t != null) t.cancel();
    }
}
