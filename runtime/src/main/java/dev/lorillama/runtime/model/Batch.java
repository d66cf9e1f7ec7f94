package dev.lorillama.runtime.model;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.tensor.RowRuns;
import java.util.Arrays;

/**
 * The rows of one forward step and their activations. Rows come in runs, one per sequence taking
 * part: a chunk of its prompt, or its one new token, at the sequence's next positions and with the
 * sequence's own projections (the base, or base + adapters). Add runs that use the same
 * projections next to each other: their adapter products are then computed together.
 *
 * <p>Every row gets exactly the values it would get if its sequence ran alone: products run each
 * run as they would alone ({@link RowRuns}), and norms, RoPE, attention and the SwiGLU work row
 * by row.
 *
 * <p>A batch is allocated once for up to {@code capacity} rows and reused for every step; adding
 * runs and running a step allocate nothing (the logits buffer grows when more rows want logits
 * than ever before).
 */
public final class Batch {
    final LlamaConfig config;
    final int capacity;
    final Workspace workspace;
    /** Which rows belong to one sequence (for the products). */
    final RowRuns runs = new RowRuns();
    /** Which rows of the logits belong to one sequence (its last row, or all of its rows). */
    final RowRuns logitRuns = new RowRuns();
    final BatchedProjection projection;
    /** What the forward pass keeps for a backward pass (nothing, unless {@link #record} asked). */
    ActivationTape tape = ActivationTape.NONE;

    // Per run.
    private InferenceState[] sequences = new InferenceState[8];
    private LinearProvider[] linears = new LinearProvider[8];
    private boolean[] allLogits = new boolean[8];

    // Per row.
    final int[] tokens;
    final int[] positions;
    final float[][] keys;   // the keys cache of the row's sequence, for the layer being run
    final float[][] values; // likewise its values cache

    // Activations, each `capacity` rows of the given width.
    final float[] x;        // residual stream, hidden
    final float[] normed;   // RMSNorm(x), hidden
    final float[] q;        // queries, heads × headDim
    final float[] k;        // keys, kvHeads × headDim
    final float[] v;        // values, kvHeads × headDim
    final float[] attended; // attention output, heads × headDim
    final float[] projected;// o_proj / down_proj output, hidden
    final float[] gate;     // gate_proj then SwiGLU, intermediate
    final float[] up;       // up_proj, intermediate
    private float[] logits; // vocab per row whose logits are wanted

    Batch(LlamaModel model, int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("a batch needs room for at least one row, got " + capacity);
        this.config = model.config();
        this.capacity = capacity;
        this.workspace = new Workspace(model.backend());
        this.projection = new BatchedProjection(this);
        int h = config.hiddenSize(), f = config.intermediateSize();
        tokens = new int[capacity];
        positions = new int[capacity];
        keys = new float[capacity][];
        values = new float[capacity][];
        x = new float[capacity * h];
        normed = new float[capacity * h];
        q = new float[capacity * config.queryDim()];
        k = new float[capacity * config.kvDim()];
        v = new float[capacity * config.kvDim()];
        attended = new float[capacity * config.queryDim()];
        projected = new float[capacity * h];
        gate = new float[capacity * f];
        up = new float[capacity * f];
        logits = new float[config.vocabSize()];
    }

    /** Bytes of activations a batch of {@code capacity} rows holds (the logits come on top: vocab floats per row that wants them). */
    public static long bytes(LlamaConfig c, int capacity) {
        long perRow = 4L * c.hiddenSize() + 2L * c.queryDim() + 2L * c.kvDim() + 2L * c.intermediateSize();
        return (long) capacity * perRow * Float.BYTES;
    }

    /** Rows this batch can hold. */
    public int capacity() {
        return capacity;
    }

    /** Forgets the runs of the last step. */
    public void clear() {
        for (int r = 0; r < runs.count(); r++) sequences[r] = null;
        runs.clear();
        logitRuns.clear();
    }

    /**
     * Adds a run: {@code count} tokens of {@code tokens[offset ..]} that continue {@code sequence}
     * at its next positions, through {@code linears}. {@code allLogits}: keep the logits of every
     * row of the run, not only of its last one.
     *
     * @return the run's index in this step
     * @throws UserInputException when a token is outside the vocabulary or the sequence's context is full
     */
    public int add(InferenceState sequence, int[] tokens, int offset, int count, LinearProvider linears, boolean allLogits) {
        if (count < 1) throw new IllegalArgumentException("a run needs at least one token");
        if (rows() + count > capacity) {
            throw new IllegalArgumentException(count + " more rows do not fit: " + rows() + " of " + capacity + " taken");
        }
        if (sequence.position + count > sequence.contextLength()) {
            throw new UserInputException("context length exceeded: " + sequence.position + " tokens in context + " + count
                    + " new > context length " + sequence.contextLength());
        }
        int run = runs.count();
        for (int r = 0; r < run; r++) {
            if (sequences[r] == sequence) throw new IllegalArgumentException("a sequence takes part in a step once");
        }
        int first = rows();
        for (int t = 0; t < count; t++) {
            int token = tokens[offset + t];
            if (token < 0 || token >= config.vocabSize()) {
                throw new UserInputException("token id " + token + " is outside the vocabulary [0, " + config.vocabSize() + ")");
            }
            this.tokens[first + t] = token;
            this.positions[first + t] = sequence.position + t;
        }
        if (run == sequences.length) {
            sequences = Arrays.copyOf(sequences, 2 * run);
            this.linears = Arrays.copyOf(this.linears, 2 * run);
            this.allLogits = Arrays.copyOf(this.allLogits, 2 * run);
        }
        sequences[run] = sequence;
        this.linears[run] = linears;
        this.allLogits[run] = allLogits;
        runs.add(count);
        logitRuns.add(allLogits ? count : 1);
        return run;
    }

    /**
     * Makes the next {@link LlamaModel#forward} keep its activations on {@code tape} for
     * {@link LlamaModel#backward} (training: one sequence per step); {@link ActivationTape#NONE} stops it.
     */
    public void record(ActivationTape tape) {
        this.tape = tape;
    }

    /** Rows in this step. */
    public int rows() {
        return runs.rows();
    }

    /** Runs (sequences) in this step. */
    public int runCount() {
        return runs.count();
    }

    /**
     * After {@link LlamaModel#forward}: the logits, vocab floats per kept row; run {@code r}'s
     * start at {@link #logitsOffset(int)} (its last token's, or with {@code allLogits} all of its
     * tokens' one after another).
     */
    public float[] logits() {
        return logits;
    }

    public int logitsOffset(int run) {
        return logitRuns.start(run) * config.vocabSize();
    }

    InferenceState sequence(int run) {
        return sequences[run];
    }

    LinearProvider linears(int run) {
        return linears[run];
    }

    /** Points every row at its own sequence's cache of {@code layer}, for attention. */
    void pointRowsAtCaches(int layer) {
        for (int r = 0; r < runs.count(); r++) {
            KvCache cache = sequences[r].cache;
            for (int t = runs.start(r); t < runs.end(r); t++) {
                keys[t] = cache.keys(layer);
                values[t] = cache.values(layer);
            }
        }
    }

    /** Lets go of the caches (a sequence that ends must not stay reachable from here). */
    void releaseCaches() {
        Arrays.fill(keys, 0, rows(), null);
        Arrays.fill(values, 0, rows(), null);
    }

    /** Moves every sequence past the tokens it ran. */
    void advanceSequences() {
        for (int r = 0; r < runs.count(); r++) sequences[r].position += runs.length(r);
    }

    /**
     * Moves the rows of {@code x} whose logits are wanted (each run's last, or all of its rows)
     * to the front, in order; returns how many. The residual stream is done with by then.
     */
    int keepLogitRows() {
        int hidden = config.hiddenSize();
        for (int r = 0; r < runs.count(); r++) {
            int kept = logitRuns.length(r);
            System.arraycopy(x, (runs.end(r) - kept) * hidden, x, logitRuns.start(r) * hidden, kept * hidden);
        }
        return logitRuns.rows();
    }

    float[] logitsBuffer(int rows) {
        int size = rows * config.vocabSize();
        if (logits.length < size) logits = new float[size];
        return logits;
    }
}
