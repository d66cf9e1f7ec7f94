package dev.lorillama.runtime.generate;

import java.util.concurrent.CompletableFuture;

/** A job handed to a {@link Scheduler}: cancel it, or wait for its result. */
public final class Ticket {
    final Scheduler.Job job;
    private final Scheduler scheduler;
    private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
    volatile boolean cancelled;

    Ticket(Scheduler scheduler, Scheduler.Job job) {
        this.scheduler = scheduler;
        this.job = job;
    }

    /**
     * Stops the job: a waiting one never runs, a running one ends after the current step (its
     * result says {@link StopReason#CANCELLED}). Safe from any thread; nothing happens once it ended.
     */
    public void cancel() {
        cancelled = true;
        scheduler.cancel(this);
    }

    /** Completes with the generated tokens when the job ends; exceptionally if the model failed. */
    public CompletableFuture<GenerationResult> result() {
        return result;
    }

    void complete(GenerationResult r) {
        result.complete(r);
    }

    void fail(Throwable e) {
        result.completeExceptionally(e);
    }
}
