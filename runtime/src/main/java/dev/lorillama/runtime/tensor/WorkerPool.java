package dev.lorillama.runtime.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that run the tasks of one parallel loop at a time. The calling thread
 * works too, so {@code threads = 1} means no helper threads at all. Workers spin briefly between
 * loops (a token's forward pass starts ~100 loops back to back) and park when idle.
 *
 * <p>Nothing is allocated per loop. Tasks are claimed from one word that packs the loop's
 * generation, its task count and the next task index, so a worker still finishing an old loop
 * can never claim a task of the next one: its compare-and-set names the old generation and fails.
 *
 * <p>Loops from different callers (several sessions on one model) are run one after another.
 */
public final class WorkerPool implements AutoCloseable {
    /** Body of a parallel loop: task index, and the index of the worker (0 = caller) for scratch buffers. */
    @FunctionalInterface
    public interface Task {
        void run(int task, int worker);
    }

    /** Largest task count of one loop: it shares a word with the generation and the next index. */
    public static final int MAX_TASKS = 0xFFFF;
    private static final long SPIN_NANOS = 50_000;

    private final Thread[] helpers;
    /** generation (32 bits) | tasks (16) | next task (16); written by the caller, advanced by claims. */
    private final AtomicLong claims = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    /** The body of the current loop; written before the claim word that publishes it. */
    private volatile Task body;
    private volatile Throwable failure;
    private volatile boolean closed;

    public WorkerPool(int threads) {
        helpers = new Thread[ThreadCount.bounded(threads) - 1];
        for (int i = 0; i < helpers.length; i++) {
            int worker = i + 1;
            helpers[i] = Thread.ofPlatform().daemon().name("lorillama-worker-" + worker).start(() -> helperLoop(worker));
        }
    }

    public int threads() {
        return helpers.length + 1;
    }

    /** Runs {@code body} for every task in {@code [0, tasks)} and returns when all are done. */
    public synchronized void parallelFor(int tasks, Task body) {
        if (tasks <= 0) return;
        if (tasks > MAX_TASKS) throw new IllegalArgumentException(tasks + " tasks in one loop, at most " + MAX_TASKS);
        if (tasks == 1 || helpers.length == 0) {
            for (int i = 0; i < tasks; i++) body.run(i, 0);
            return;
        }
        this.body = body;
        failure = null;
        done.set(0);
        long generation = (claims.get() >>> 32) + 1;
        claims.set(generation << 32 | (long) tasks << 16);
        for (Thread h : helpers) LockSupport.unpark(h);
        work(0);
        while (done.get() < tasks) Thread.onSpinWait();
        this.body = null;
        Throwable failed = failure;
        if (failed instanceof RuntimeException re) throw re;
        if (failed instanceof Error e) throw e;
        if (failed != null) throw new IllegalStateException(failed);
    }

    /** Claims and runs tasks of the loop published in {@link #claims} until none is left; false if there was none to claim. */
    private boolean work(int worker) {
        long word = claims.get();
        Task task = body; // read after the word: it is the body of that word's loop, or of none
        boolean ran = false;
        while (true) {
            int tasks = (int) (word >>> 16) & 0xFFFF, next = (int) word & 0xFFFF;
            if (next >= tasks) return ran;
            if (!claims.compareAndSet(word, word + 1)) {
                long now = claims.get();
                if ((now >>> 32) != (word >>> 32)) return ran; // a newer loop: this worker's body is stale
                word = now;
                continue;
            }
            ran = true;
            try {
                task.run(next, worker);
            } catch (Throwable t) {
                failure = t;
            } finally {
                done.incrementAndGet();
            }
            word++;
            long now = claims.get();
            if (now != word) {
                if ((now >>> 32) != (word >>> 32)) return ran;
                word = now;
            }
        }
    }

    private void helperLoop(int worker) {
        long lastGeneration = 0;
        long idleSince = System.nanoTime();
        while (!closed) {
            long generation = claims.get() >>> 32;
            if (generation != lastGeneration) {
                lastGeneration = generation;
                work(worker);
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 1_000_000);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread h : helpers) LockSupport.unpark(h);
    }
}
