package dev.lorillama.server;

import dev.lorillama.api.Llama;
import dev.lorillama.api.Session;
import dev.lorillama.runtime.UserInputException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed number of sessions (each with its own KV cache) that requests borrow one at a time:
 * up to that many requests generate at once, interleaved on the model's kernels; more wait in
 * arrival order until a session is free.
 */
final class SessionPool implements AutoCloseable {
    private final BlockingQueue<Session> free;
    private final int size;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong finished = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();

    SessionPool(Llama llama, int size) {
        if (size < 1) throw new IllegalArgumentException("--parallel must be >= 1, got " + size);
        long needed = size * llama.sessionBytes();
        Runtime heap = Runtime.getRuntime();
        long room = heap.maxMemory() - (heap.totalMemory() - heap.freeMemory());
        if (needed > room) {
            throw new UserInputException(String.format(Locale.ROOT, "--parallel %d sessions of context %d need %.2f GB of KV cache but the heap "
                    + "has %.2f GB free: lower --parallel or --context, or give java a larger -Xmx", size, llama.contextLength(),
                    needed / 1e9, room / 1e9));
        }
        this.size = size;
        this.free = new ArrayBlockingQueue<>(size, true);
        for (int i = 0; i < size; i++) free.add(llama.newSession());
    }

    /** Waits for a free session. */
    Session take() throws InterruptedException {
        waiting.incrementAndGet();
        try {
            return free.take();
        } finally {
            waiting.decrementAndGet();
        }
    }

    /** Gives the session back; {@code wasCancelled}: its generation ended because the client left. */
    void release(Session session, boolean wasCancelled) {
        (wasCancelled ? cancelled : finished).incrementAndGet();
        free.add(session);
    }

    /** Counters for /health: generating, waiting, finished and cancelled requests. */
    Map<String, Object> counters() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("parallel", size);
        c.put("generating", size - free.size());
        c.put("waiting", waiting.get());
        c.put("finished", finished.get());
        c.put("cancelled", cancelled.get());
        return c;
    }

    int size() {
        return size;
    }

    @Override
    public void close() {
        free.forEach(Session::close);
    }
}
