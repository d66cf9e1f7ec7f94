package dev.lorillama.runtime.tensor;

/**
 * The one place where a matrix product is cut into tiles and spread over threads, for every
 * weight format. Both decode (one token) and prefill split the output rows; for prefill the
 * activations are first laid out as {@link TokenLanes}, once for all tasks.
 *
 * <p>A batch of several sequences comes as {@link RowRuns}: each run is multiplied as it would be
 * alone (decode kernel for one row, prefill kernel for more), inside the same row tiles, so the
 * weights stream from memory once for all runs and every row's result is independent of the batch.
 * The one-row runs (sequences decoding) go together through {@link WeightMatrix#multiplyDecodeRows},
 * whose group kernels decode each weight once for several of them. Neighbouring runs of several
 * rows (prompt chunks) go through the prefill kernel as one piece when it reads
 * {@link TokenLanes}: each token has a lane of its own there, summed alone in the same order
 * whatever shares its block, so a piece gives every run what it gets alone, while the weights
 * are decoded once for all of them and short chunks share blocks instead of each padding its own.
 *
 * <p>A MatMul is a reusable task: {@link #multiply} sets its operands and runs it on the pool,
 * so a product allocates nothing. One instance serves one caller at a time.
 */
public final class MatMul implements WorkerPool.Task {
    /**
     * Tasks per thread and matrix. Few and large: decode of the ~1B model measured 26 tokens/s
     * with 2 per thread, 24 with 8 and 17 with 32 (two cores); the per-task hand-off costs more
     * than the imbalance it smooths.
     */
    static final int TARGET_TASKS_PER_THREAD = 2;
    /**
     * With several runs, a task's rows are visited in slices of this many, each slice by every
     * run in turn, so that the slice's weights come from memory once and stay in L2 (64 rows of
     * an 8192-wide Q8_0 matrix are 0.5 MB) for the other runs.
     */
    static final int RUN_SLICE_ROWS = 64;

    private final WorkerPool pool;
    private final RowRuns single = new RowRuns();
    private WeightMatrix w;
    private float[] x;
    private float[] y;
    private RowRuns runs;
    private int fromRun;
    private int toRun;
    /** The activations as {@link TokenLanes}, for formats whose prefill kernel reads them; reused. */
    private float[] lanes = new float[0];
    /**
     * The prefill pieces of the current product: piece {@code p} is rows
     * {@code [pieceStarts[p], pieceStarts[p] + pieceLengths[p])} (one run of several rows, or
     * neighbouring such runs merged), its lanes from {@code laneOffsets[p]} on; reused.
     */
    private int[] pieceStarts = new int[8];
    private int[] pieceLengths = new int[8];
    private int[] laneOffsets = new int[8];
    private int pieces;
    private int rowTile;
    /** Rows of the one-row runs (decoding sequences) of the current product, when it has several runs; reused. */
    private int[] decodeRows = new int[8];
    private int decodeCount;

    /** Lays out block {@code task} of the runs' tokens as {@link TokenLanes} (a loop of its own: the product's tasks all read every block). */
    private final WorkerPool.Task fillLanes;
    /** The transposed product's sums, one tokens × cols array per worker (tiles of rows add into them), reused. */
    private final float[][] partial;
    /** Tokens of the transposed product. */
    private int tokens;
    /** Tile {@code task} of rows of the transposed product, added into the worker's own sums. */
    private final WorkerPool.Task transposedTile;
    /** Adds every worker's sums for token {@code task} into its row of the result. */
    private final WorkerPool.Task sumPartials;

    public MatMul(WorkerPool pool) {
        this.pool = pool;
        this.partial = new float[pool.threads()][0];
        this.transposedTile = (task, worker) -> {
            int rowFrom = task * rowTile;
            TransposedRowsKernel.accumulate(w, x, tokens, partial[worker], rowFrom, Math.min(w.rows(), rowFrom + rowTile));
        };
        this.sumPartials = (t, worker) -> {
            int cols = w.cols();
            System.arraycopy(partial[0], t * cols, y, t * cols, cols);
            for (int p = 1; p < partial.length; p++) VectorOps.add(y, partial[p], t * cols, (t + 1) * cols);
        };
        this.fillLanes = (task, worker) -> {
            for (int p = 0, block = task; p < pieces; p++) {
                int blocks = TokenLanes.blocks(pieceLengths[p]);
                if (block < blocks) {
                    TokenLanes.fillBlock(x, pieceStarts[p], pieceStarts[p] + pieceLengths[p], w.cols(), block, lanes, laneOffsets[p]);
                    return;
                }
                block -= blocks;
            }
        };
    }

    /** {@code y[t] = W · x[t]} for {@code t < tokens}; {@code x} is tokens × cols, {@code y} tokens × rows. */
    public void multiply(WeightMatrix w, float[] x, int tokens, float[] y) {
        single.clear();
        single.add(tokens);
        multiply(w, x, single, 0, 1, y);
    }

    /**
     * {@code y[t] = W · x[t]} for the rows of runs {@code [fromRun, toRun)} of {@code runs}; rows
     * are indexed as in the whole batch ({@code x} is rows × cols, {@code y} rows × W.rows).
     */
    public void multiply(WeightMatrix w, float[] x, RowRuns runs, int fromRun, int toRun, float[] y) {
        int rows = w.rows();
        this.w = w;
        this.x = x;
        this.y = y;
        this.runs = runs;
        this.fromRun = fromRun;
        this.toRun = toRun;
        this.rowTile = Math.max(16, roundUp(rows / (pool.threads() * TARGET_TASKS_PER_THREAD), 16));
        splitRuns();
        try {
            if (w.readsTokenLanes()) layOutLanes();
            pool.parallelFor((rows + rowTile - 1) / rowTile, this);
        } finally {
            this.w = null; // no references kept past the call
            this.x = null;
            this.y = null;
            this.runs = null;
        }
    }

    /**
     * {@code dx[t] = Wᵀ · dy[t]} for {@code t < tokens}: the backward pass through a frozen weight;
     * {@code dy} is tokens × rows, {@code dx} tokens × cols. Tiles of rows are split over the
     * threads as in {@link #multiply}; each thread adds into its own sums, which are added up at the end.
     */
    public void multiplyTransposed(WeightMatrix w, float[] dy, int tokens, float[] dx) {
        int size = tokens * w.cols();
        for (int p = 0; p < partial.length; p++) {
            if (partial[p].length < size) partial[p] = new float[size];
            java.util.Arrays.fill(partial[p], 0, size, 0f);
        }
        this.w = w;
        this.x = dy;
        this.y = dx;
        this.tokens = tokens;
        this.rowTile = Math.max(16, roundUp(w.rows() / (pool.threads() * TARGET_TASKS_PER_THREAD), 16));
        try {
            pool.parallelFor((w.rows() + rowTile - 1) / rowTile, transposedTile);
            pool.parallelFor(tokens, sumPartials);
        } finally {
            this.w = null;
            this.x = null;
            this.y = null;
        }
    }

    /**
     * Sorts the runs into the one-row runs ({@link #decodeRows}, when there are several runs) and
     * the prefill pieces: every run of several rows, neighbours merged when the format reads lanes.
     */
    private void splitRuns() {
        decodeCount = 0;
        pieces = 0;
        boolean merge = w.readsTokenLanes();
        for (int i = fromRun; i < toRun; i++) {
            int start = runs.start(i), length = runs.length(i);
            if (length > 1) {
                if (merge && pieces > 0 && pieceStarts[pieces - 1] + pieceLengths[pieces - 1] == start) {
                    pieceLengths[pieces - 1] += length;
                    continue;
                }
                if (pieces == pieceStarts.length) {
                    pieceStarts = java.util.Arrays.copyOf(pieceStarts, 2 * pieces);
                    pieceLengths = java.util.Arrays.copyOf(pieceLengths, 2 * pieces);
                    laneOffsets = java.util.Arrays.copyOf(laneOffsets, 2 * pieces);
                }
                pieceStarts[pieces] = start;
                pieceLengths[pieces++] = length;
            } else if (toRun - fromRun > 1) {
                if (decodeCount == decodeRows.length) decodeRows = java.util.Arrays.copyOf(decodeRows, 2 * decodeCount);
                decodeRows[decodeCount++] = start;
            }
        }
    }

    private void layOutLanes() {
        int size = 0, blocks = 0;
        for (int p = 0; p < pieces; p++) {
            laneOffsets[p] = size;
            size += TokenLanes.size(pieceLengths[p], w.cols());
            blocks += TokenLanes.blocks(pieceLengths[p]);
        }
        if (blocks == 0) return;
        if (lanes.length < size) lanes = new float[size];
        pool.parallelFor(blocks, fillLanes);
    }

    /** Tile {@code task} of output rows, for every run. */
    @Override
    public void run(int task, int worker) {
        int rowFrom = task * rowTile, rowTo = Math.min(w.rows(), rowFrom + rowTile);
        if (toRun - fromRun == 1 && pieces == 0) { // one sequence decoding
            w.multiplyRows(x, runs.start(fromRun), runs.start(fromRun) + 1, y, rowFrom, rowTo);
            return;
        }
        if (decodeCount == 0 && pieces == 1) { // prefill alone: the kernel walks the tile in blocks of its own
            multiplyPiece(0, rowFrom, rowTo);
            return;
        }
        for (int slice = rowFrom; slice < rowTo; slice += RUN_SLICE_ROWS) {
            int sliceTo = Math.min(rowTo, slice + RUN_SLICE_ROWS);
            for (int p = 0; p < pieces; p++) multiplyPiece(p, slice, sliceTo);
            if (decodeCount > 0) w.multiplyDecodeRows(x, decodeRows, decodeCount, y, slice, sliceTo);
        }
    }

    private void multiplyPiece(int p, int rowFrom, int rowTo) {
        w.multiplyTokens(x, lanes, laneOffsets[p], pieceStarts[p], pieceLengths[p], y, rowFrom, rowTo);
    }

    private static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }
}
