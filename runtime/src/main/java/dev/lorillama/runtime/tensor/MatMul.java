package dev.lorillama.runtime.tensor;

/**
 * The one place where a matrix product is cut into tiles and spread over threads, for every
 * weight format. Decode (one token) splits the output rows; prefill also cuts the tokens into
 * blocks small enough that their activations stay in cache while a tile of rows streams past.
 *
 * <p>A MatMul is a reusable task: {@link #multiply} sets its operands and runs it on the pool,
 * so a product allocates nothing. One instance serves one caller at a time.
 */
public final class MatMul implements WorkerPool.Task {
    /** Tokens whose activations pass a tile of weights together. */
    static final int TOKEN_BLOCK = 32;
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
    private int tokens;
    private int rowTile;

    public MatMul(WorkerPool pool) {
        this.pool = pool;
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
            pool.parallelFor((rows + rowTile - 1) / rowTile, this);
        } finally {
            this.w = null; // no references kept past the call
            this.x = null;
            this.y = null;
        }
    }

    /** Tile {@code task} of output rows; the tile of weight rows stays in cache while every block of tokens passes it. */
    @Override
    public void run(int task, int worker) {
        int rowFrom = task * rowTile;
        int rowTo = Math.min(w.rows(), rowFrom + rowTile);
        for (int tokenFrom = 0; tokenFrom < tokens; tokenFrom += TOKEN_BLOCK) {
            w.multiplyRows(x, tokenFrom, Math.min(tokens, tokenFrom + TOKEN_BLOCK), y, rowFrom, rowTo);
        }
    }

    private static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }
}
