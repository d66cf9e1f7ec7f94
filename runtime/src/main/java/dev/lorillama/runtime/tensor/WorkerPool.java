package dev.lorillama.runtime.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that run the tasks of one parallel loop at a time. The calling thread
 * works too, so {@code threads = 1} means no helper threads at all. Workers spin briefly between
 * loops (a token's forward pass starts ~100 loops back to back) and park when idle.
 *
 * <p>Loops from different callers (several sessions on one model) are run one after another.
 */
public final class WorkerPool implements AutoCloseable {
    /** Body of a parallel loop: task index, and the index of the worker (0 = caller) for scratch buffers. */
    @FunctionalInterface
    public interface Task {
        void run(int task, int worker);
    }

    private static final long SPIN_NANOS = 50_000;

    private final Thread[] helpers;
    private volatile Loop current;
    private volatile boolean closed;

    private static final class Loop {
        final int tasks;
        final Task body;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Loop(int tasks, Task body) {
            this.tasks = tasks;
            this.body = body;
        }

        void work(int worker) {
            int i;
            while ((i = next.getAndIncrement()) < tasks) {
                try {
                    body.run(i, worker);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        helpers = new Thread[threads - 1];
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
        if (tasks == 1 || helpers.length == 0) {
            for (int i = 0; i < tasks; i++) body.run(i, 0);
            return;
        }
        Loop loop = new Loop(tasks, body);
        current = loop;
        for (Thread h : helpers) LockSupport.unpark(h);
        loop.work(0);
        while (loop.done.get() < tasks) Thread.onSpinWait();
        current = null;
        Throwable failure = loop.failure;
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error e) throw e;
        if (failure != null) throw new IllegalStateException(failure);
    }

    private void helperLoop(int worker) {
        Loop last = null;
        long idleSince = System.nanoTime();
        while (!closed) {
            Loop loop = current;
            if (loop != null && loop != last) {
                last = loop;
                loop.work(worker);
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
