package dev.lorillama.runtime.tensor;

/**
 * The one place where a matrix product is cut into tiles and spread over threads, for every
 * weight format. Both decode (one token) and prefill split the output rows; for prefill the
 * activations are first laid out as {@link TokenLanes}, once for all tasks.
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

    private final WorkerPool pool;
    private WeightMatrix w;
    private float[] x;
    private float[] y;
    /** The activations as {@link TokenLanes}, for formats whose prefill kernel reads them; reused. */
    private float[] lanes = new float[0];
    private int tokens;
    private int rowTile;

    /** Lays out block {@code task} of the tokens as {@link TokenLanes} (a loop of its own: the product's tasks all read every block). */
    private final WorkerPool.Task fillLanes;

    public MatMul(WorkerPool pool) {
        this.pool = pool;
        this.fillLanes = (task, worker) -> TokenLanes.fillBlock(x, 0, tokens, w.cols(), task, lanes);
    }

    /** {@code y[t] = W · x[t]} for {@code t < tokens}; {@code x} is tokens × cols, {@code y} tokens × rows. */
    public void multiply(WeightMatrix w, float[] x, int tokens, float[] y) {
        int rows = w.rows();
        this.w = w;
        this.x = x;
        this.y = y;
        this.tokens = tokens;
        this.rowTile = Math.max(16, roundUp(rows / (pool.threads() * TARGET_TASKS_PER_THREAD), 16));
        try {
            if (tokens > 1 && w.readsTokenLanes()) {
                int size = TokenLanes.size(tokens, w.cols());
                if (lanes.length < size) lanes = new float[size];
                pool.parallelFor(TokenLanes.blocks(tokens), fillLanes);
            }
            pool.parallelFor((rows + rowTile - 1) / rowTile, this);
        } finally {
            this.w = null; // no references kept past the call
            this.x = null;
            this.y = null;
        }
    }

    /** Tile {@code task} of output rows, for every token. */
    @Override
    public void run(int task, int worker) {
        int rowFrom = task * rowTile;
        w.multiplyTokens(x, lanes, tokens, y, rowFrom, Math.min(w.rows(), rowFrom + rowTile));
    }

    private static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }
}
