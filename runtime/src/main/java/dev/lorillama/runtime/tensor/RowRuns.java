package dev.lorillama.runtime.tensor;

import java.util.Arrays;

/**
 * How the rows of a batch of activations come in runs: run {@code i} is rows
 * {@code [start(i), start(i) + length(i))}, the tokens one sequence contributes to a step (a
 * prompt chunk, or its one new token). A product over runs computes each run as it would be
 * computed alone: a run of one row with the decode kernel, a longer run with the prefill kernel.
 * Every row's result is then the same whatever else is in the batch, bit for bit.
 *
 * <p>Runs are laid end to end; the object is reused step after step (nothing allocated unless
 * more runs than ever before arrive).
 */
public final class RowRuns {
    private int[] starts = new int[9]; // starts[i] = first row of run i; starts[count] = rows
    private int count;

    /** One run of {@code rows} rows. */
    public static RowRuns single(int rows) {
        RowRuns r = new RowRuns();
        r.add(rows);
        return r;
    }

    public void clear() {
        count = 0;
        starts[0] = 0;
    }

    /** Appends a run of {@code length ≥ 1} rows after the last. */
    public void add(int length) {
        if (length < 1) throw new IllegalArgumentException("a run needs at least one row, got " + length);
        if (count + 2 > starts.length) starts = Arrays.copyOf(starts, 2 * starts.length);
        starts[count + 1] = starts[count] + length;
        count++;
    }

    public int count() {
        return count;
    }

    /** Rows in all runs. */
    public int rows() {
        return starts[count];
    }

    public int start(int run) {
        return starts[run];
    }

    public int end(int run) {
        return starts[run + 1];
    }

    public int length(int run) {
        return starts[run + 1] - starts[run];
    }
}
