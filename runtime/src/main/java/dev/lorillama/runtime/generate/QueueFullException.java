package dev.lorillama.runtime.generate;

/** A job refused because the scheduler's queue is full: try again after {@link #retryAfterSeconds()}. */
public final class QueueFullException extends RuntimeException {
    private final long retryAfterSeconds;

    QueueFullException(int queued, int running, long retryAfterSeconds) {
        super("busy: " + running + " requests are generating and " + queued + " are waiting (the queue is full); try again in "
                + retryAfterSeconds + " s");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
