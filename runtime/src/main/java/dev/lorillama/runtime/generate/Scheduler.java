package dev.lorillama.runtime.generate;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.Batch;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.KvCache;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.runtime.model.LlamaModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching (vLLM, llama.cpp's server with {@code -cb}): one thread runs the model in
 * steps, and each step is one {@link Batch} holding the next token of every running sequence,
 * plus prompt chunks of sequences that joined. Each weight matrix therefore streams from memory
 * once per step for all of them, and each sequence brings its own adapters.
 *
 * <ul>
 *   <li>Joining: a submitted {@link Job} waits in a bounded queue; between steps, jobs join in
 *       arrival order while fewer than {@link Limits#maxSequences} run and their KV cache fits
 *       the budget. A full queue refuses at once ({@link QueueFullException}).</li>
 *   <li>Prompts run in chunks of {@value #PROMPT_CHUNK} tokens, a chunk per sequence and step and
 *       at most {@value #PROMPT_ROWS_PER_STEP} prompt tokens per step, so the running streams go on
 *       producing a token every step while a long prompt is read. A sequence is cut into the same
 *       chunks whatever runs beside it (its prompt but the last token, from the start; then the
 *       last token with the decode rows), as a session alone cuts it, so it computes exactly what
 *       it would alone. The chunks of a step come first in the batch, next to each other, so the
 *       prefill kernel takes them as one piece (the weights decoded once for all of them).</li>
 *   <li>Leaving: a sequence that ends (stop token, max tokens, full context, cancelled, its
 *       listener says stop) leaves the step it ends in, and its KV reservation returns to the
 *       budget at once.</li>
 *   <li>Memory, bounded: KV caches of at most {@link Limits#kvBudgetTokens} positions over all
 *       running sequences (each reserves prompt + max new tokens, capped by its context, and
 *       fills it as it grows), a batch of {@link #capacity()} rows, and the waiting jobs'
 *       prompts: {@link #memoryBytes()}.</li>
 * </ul>
 *
 * Listeners run on the scheduler's thread between steps: they must be quick (hand text to a
 * queue), since every stream waits for them.
 */
public final class Scheduler implements AutoCloseable {
    /** Prompt tokens a sequence runs in one step (the chunks of {@code Session} alone). */
    public static final int PROMPT_CHUNK = 64;
    /**
     * Prompt tokens one step runs over all joining sequences. Four chunks: requests that arrive
     * together (a burst of clients, an eval batch) start within a step or two instead of one a
     * step, so the batch is full before most of its decoding. With one chunk a step, 8 clients
     * arriving together on the 1B shape waited up to 8 steps for their first token (bench-serve
     * TTFT p95 6.8 s against llama-server's 2.0 s, docs/BENCHMARKS.md). The price: a running
     * stream waits up to four chunks' prefill for its next token.
     */
    public static final int PROMPT_ROWS_PER_STEP = 4 * PROMPT_CHUNK;

    /**
     * @param maxSequences   most sequences in one step (server: {@code --parallel})
     * @param kvBudgetTokens most KV cache positions reserved over all running sequences
     * @param queueCapacity  most jobs waiting to join while every place is taken; more are refused
     */
    public record Limits(int maxSequences, long kvBudgetTokens, int queueCapacity) {
        public Limits {
            if (maxSequences < 1) throw new IllegalArgumentException("the most sequences in a batch must be >= 1, got " + maxSequences);
            if (kvBudgetTokens < 2) throw new IllegalArgumentException("the KV budget must be >= 2 tokens, got " + kvBudgetTokens);
            if (queueCapacity < 0) throw new IllegalArgumentException("the queue size must be >= 0, got " + queueCapacity);
        }
    }

    /**
     * What to generate.
     *
     * @param prompt        token ids (at least one)
     * @param linears       the projections: the base, or base + adapters
     * @param contextLength most positions the sequence may take, prompt included
     * @param listener      told each token as it is sampled (stop tokens too); false stops
     * @param hook          sees (and may restrict) the logits before each token is sampled; null: none
     */
    public record Job(int[] prompt, LinearProvider linears, GenerationOptions options,
                      int contextLength, TokenListener listener, LogitsHook hook) {
        public Job(int[] prompt, LinearProvider linears, GenerationOptions options, int contextLength, TokenListener listener) {
            this(prompt, linears, options, contextLength, listener, null);
        }

        /** KV positions this job reserves: its prompt and every token it may generate, at most its context. */
        long reservation() {
            return Math.min((long) prompt.length + options.maxNewTokens(), contextLength);
        }
    }

    private final LlamaModel model;
    private final Limits limits;
    private final Batch batch;
    private final float[] sampled; // the logits of the sequence being sampled (the sampler writes into them)
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition room = lock.newCondition();
    private final ArrayDeque<Ticket> queue = new ArrayDeque<>();
    private final List<Running> running = new ArrayList<>(); // in the order they joined
    private final Thread thread;
    private long reserved;
    private boolean closed;
    private long finished, cancelled, refused;
    private double meanSeconds = 1; // of recent jobs, for Retry-After

    public Scheduler(LlamaModel model, Limits limits) {
        this.model = model;
        this.limits = limits;
        this.batch = model.newBatch(capacity(limits));
        this.sampled = new float[model.config().vocabSize()];
        this.thread = Thread.ofPlatform().daemon().name("lorillama-scheduler").start(this::loop);
    }

    private static int capacity(Limits limits) {
        return limits.maxSequences() + PROMPT_ROWS_PER_STEP;
    }

    /** Rows of one step: a token of every running sequence and one step's prompt chunks. */
    public int capacity() {
        return batch.capacity();
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Bytes this scheduler may hold: the KV budget, the batch's activations and logits (one row
     * per running sequence). The weights and the waiting prompts come on top.
     */
    public long memoryBytes() {
        return memoryBytes(model.config(), limits);
    }

    /** {@link #memoryBytes()} of a scheduler with these limits for this model. */
    public static long memoryBytes(LlamaConfig config, Limits limits) {
        int rows = capacity(limits);
        return KvCache.bytes(config, limits.kvBudgetTokens()) + Batch.bytes(config, rows)
                + (long) limits.maxSequences() * config.vocabSize() * Float.BYTES;
    }

    /**
     * Queues a job. Returns at once.
     *
     * @throws QueueFullException when {@link Limits#queueCapacity} jobs already wait
     * @throws UserInputException when the prompt is empty, fills the context or needs more KV cache than the budget
     */
    public Ticket submit(Job job) {
        return enqueue(job, false);
    }

    /** {@link #submit}, but waits for room in the queue instead of refusing (batch work). */
    public Ticket submitWaiting(Job job) throws InterruptedException {
        try {
            return enqueue(job, true);
        } catch (WaitInterrupted e) {
            throw (InterruptedException) e.getCause();
        }
    }

    private Ticket enqueue(Job job, boolean wait) {
        check(job);
        Ticket ticket = new Ticket(this, job);
        if (job.options().maxNewTokens() == 0) {
            ticket.complete(new GenerationResult(new int[0], StopReason.MAX_TOKENS, job.prompt().length, 0, 0));
            return ticket;
        }
        lock.lock();
        try {
            while (!closed && queueFull() && wait) {
                try {
                    room.await();
                } catch (InterruptedException e) {
                    throw new WaitInterrupted(e);
                }
            }
            if (closed) throw new IllegalStateException("the scheduler is closed");
            if (queueFull()) {
                refused++;
                throw new QueueFullException(queue.size(), running.size(), retryAfterSeconds());
            }
            queue.add(ticket);
            work.signal();
        } finally {
            lock.unlock();
        }
        return ticket;
    }

    /** Whether a new job would wait beyond the queue's capacity (jobs that a free place takes at the next step do not count). */
    private boolean queueFull() {
        int free = Math.max(0, limits.maxSequences() - running.size());
        return queue.size() >= limits.queueCapacity() + free;
    }

    private static final class WaitInterrupted extends RuntimeException {
        WaitInterrupted(InterruptedException cause) {
            super(cause);
        }
    }

    private void check(Job job) {
        int length = job.prompt().length;
        if (length == 0) throw new UserInputException("the prompt is empty");
        if (length >= job.contextLength()) {
            throw new UserInputException("the prompt is " + length + " tokens; the context length is " + job.contextLength()
                    + " (it must leave room for at least one new token)");
        }
        if (job.reservation() > limits.kvBudgetTokens()) {
            throw new UserInputException("the prompt (" + length + " tokens) and up to " + job.options().maxNewTokens()
                    + " new tokens need " + job.reservation() + " tokens of KV cache; the KV budget is "
                    + limits.kvBudgetTokens() + " tokens");
        }
    }

    /** Seconds a refused client should wait before trying again: the queue ahead, run maxSequences at a time. */
    private long retryAfterSeconds() {
        return Math.max(1, (long) Math.ceil(meanSeconds * (queue.size() + 1) / limits.maxSequences()));
    }

    /** Takes a job out of the queue (it never runs) or tells its sequence to stop after the current step. */
    void cancel(Ticket ticket) {
        lock.lock();
        try {
            if (queue.remove(ticket)) {
                cancelled++;
                room.signal();
                ticket.complete(new GenerationResult(new int[0], StopReason.CANCELLED, ticket.job.prompt().length, 0, 0));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Counters for a health endpoint: {@code parallel} (most sequences per step), {@code generating},
     * {@code waiting}, {@code queue_size}, {@code kv_reserved_tokens}, {@code kv_budget_tokens},
     * {@code finished}, {@code cancelled}, {@code refused} (queue full).
     */
    public Map<String, Object> counters() {
        lock.lock();
        try {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("parallel", limits.maxSequences());
            c.put("generating", running.size());
            c.put("waiting", queue.size());
            c.put("queue_size", limits.queueCapacity());
            c.put("kv_reserved_tokens", reserved);
            c.put("kv_budget_tokens", limits.kvBudgetTokens());
            c.put("finished", finished);
            c.put("cancelled", cancelled);
            c.put("refused", refused);
            return c;
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (true) {
            lock.lock();
            try {
                admit();
                while (running.isEmpty()) {
                    if (closed) return;
                    work.awaitUninterruptibly();
                    admit();
                }
            } finally {
                lock.unlock();
            }
            try {
                step();
            } catch (RuntimeException | Error e) {
                for (Running r : running) r.ticket.fail(e);
                leave(running);
            }
        }
    }

    /** Moves jobs from the queue to the running sequences while they fit (in arrival order). */
    private void admit() {
        while (!queue.isEmpty() && !closed && running.size() < limits.maxSequences()
                && reserved + queue.peek().job.reservation() <= limits.kvBudgetTokens()) {
            Ticket t = queue.poll();
            reserved += t.job.reservation();
            running.add(new Running(t, model.newState((int) t.job.reservation())));
            room.signal();
        }
    }

    /** One forward step of every running sequence, then their tokens. */
    private void step() {
        List<Running> ended = new ArrayList<>();
        int promptRows = 0;
        for (Running r : running) {
            r.rows = 0;
            if (r.ticket.cancelled) {
                ended.add(r.end(StopReason.CANCELLED));
            } else if (r.decoding) {
                r.rows = 1;
            } else {
                int chunk = Math.min(PROMPT_CHUNK, r.promptLeft());
                if (chunk == 0) {                         // all but the last prompt token are in: it runs as a decode row
                    r.decoding = true;
                    r.nextToken[0] = r.ticket.job.prompt()[r.ticket.job.prompt().length - 1];
                    r.rows = 1;
                } else if (promptRows == 0 || promptRows + chunk <= PROMPT_ROWS_PER_STEP) {
                    r.rows = chunk;
                    promptRows += chunk;
                }
            }
        }
        // Prompt chunks first, next to each other (one prefill piece); within each kind, runs with
        // the same adapters next to each other: they share their adapter products.
        List<Running> order = new ArrayList<>();
        for (Running r : running) if (r.rows > 0) order.add(r);
        order.sort(Comparator.<Running>comparingInt(r -> r.decoding ? 1 : 0)
                .thenComparingInt(r -> System.identityHashCode(r.ticket.job.linears())));
        batch.clear();
        for (Running r : order) {
            Job job = r.ticket.job;
            if (r.decoding) batch.add(r.state, r.nextToken, 0, 1, job.linears(), false);
            else batch.add(r.state, job.prompt(), r.fed, r.rows, job.linears(), false);
        }
        if (!order.isEmpty()) model.step(batch);
        int vocab = sampled.length;
        for (int i = 0; i < order.size(); i++) {
            Running r = order.get(i);
            if (!r.decoding) {
                r.fed += r.rows;
                continue;
            }
            System.arraycopy(batch.logits(), batch.logitsOffset(i), sampled, 0, vocab);
            LogitsHook hook = r.ticket.job.hook();
            int token;
            try {
                if (hook != null) hook.beforeSampling(sampled, vocab);
                token = r.sampler.next(sampled, vocab, r.history, r.historyLength);
                if (hook != null) hook.sampled(token);
            } catch (RuntimeException e) { // this sequence's hook failed, or its logits are NaN (its adapter): it ends, the others go on
                r.ticket.fail(e);
                ended.add(r.end(StopReason.CANCELLED));
                continue;
            }
            StopReason reason = r.accept(token);
            if (reason != null) ended.add(r.end(reason));
        }
        if (!ended.isEmpty()) leave(ended);
    }

    /** Takes ended sequences out (their KV reservation returns to the budget), then hands out their results. */
    private void leave(List<Running> ended) {
        lock.lock();
        try {
            for (Running r : List.copyOf(ended)) {
                if (!running.remove(r)) continue;
                reserved -= r.ticket.job.reservation();
                if (r.ticket.cancelled) cancelled++; // by the caller, not by its listener (a stop string)
                else finished++;
                meanSeconds = 0.8 * meanSeconds + 0.2 * (System.nanoTime() - r.admitted) / 1e9;
            }
        } finally {
            lock.unlock();
        }
        for (Running r : ended) {
            if (r.result != null) r.ticket.complete(r.result);
        }
    }

    /** Stops taking jobs, cancels the waiting and the running ones, and waits for the thread. */
    @Override
    public void close() {
        List<Ticket> dropped;
        lock.lock();
        try {
            closed = true;
            dropped = List.copyOf(queue);
            queue.clear();
            running.forEach(r -> r.ticket.cancelled = true);
            work.signal();
            room.signalAll();
        } finally {
            lock.unlock();
        }
        for (Ticket t : dropped) t.complete(new GenerationResult(new int[0], StopReason.CANCELLED, t.job.prompt().length, 0, 0));
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A job that joined: its sequence, sampler and tokens so far. */
    private final class Running {
        final Ticket ticket;
        final InferenceState state;
        final Sampler sampler;
        final int[] history;     // prompt, then generated tokens (for the repetition penalty)
        final int[] generated;
        final int[] nextToken = new int[1]; // the token the next decode step runs
        final long admitted = System.nanoTime();
        int historyLength;
        int count;
        int fed;                 // prompt tokens already in the cache (before the last one)
        boolean decoding;        // the prompt is in: each step runs the last token
        int rows;                // rows in the current step
        long firstToken;
        GenerationResult result; // once it ended

        Running(Ticket ticket, InferenceState state) {
            this.ticket = ticket;
            this.state = state;
            GenerationOptions options = ticket.job.options();
            this.sampler = new Sampler(options.sampling());
            int most = (int) Math.min(options.maxNewTokens(), ticket.job.reservation() - ticket.job.prompt().length + 1);
            this.generated = new int[most];
            this.history = Arrays.copyOf(ticket.job.prompt(), ticket.job.prompt().length + most);
            this.historyLength = ticket.job.prompt().length;
        }

        int promptLeft() {
            return ticket.job.prompt().length - 1 - fed;
        }

        /** Takes a sampled token; returns why the sequence ends, or null to go on. */
        StopReason accept(int token) {
            if (count == 0) firstToken = System.nanoTime();
            history[historyLength++] = token;
            GenerationOptions options = ticket.job.options();
            boolean keepGoing;
            try {
                keepGoing = ticket.job.listener().onToken(token);
            } catch (RuntimeException e) {
                ticket.fail(e);
                return StopReason.CANCELLED;
            }
            if (options.stopTokens().contains(token)) return StopReason.STOP_TOKEN;
            generated[count++] = token;
            if (!keepGoing || ticket.cancelled) return StopReason.CANCELLED;
            if (count == options.maxNewTokens()) return StopReason.MAX_TOKENS;
            if (state.position() >= state.contextLength()) return StopReason.CONTEXT_FULL;
            nextToken[0] = token;
            return null;
        }

        /** Ends the sequence: its result is handed out once it has left ({@link #leave}). */
        Running end(StopReason why) {
            long now = System.nanoTime();
            long prefill = (count == 0 ? now : firstToken) - admitted;
            result = new GenerationResult(Arrays.copyOf(generated, count), why, ticket.job.prompt().length, prefill,
                    count == 0 ? 0 : now - firstToken);
            return this;
        }
    }
}
