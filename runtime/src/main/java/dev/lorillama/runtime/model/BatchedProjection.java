package dev.lorillama.runtime.model;

import dev.lorillama.runtime.backend.Backend;
import dev.lorillama.runtime.tensor.RowRuns;
import dev.lorillama.runtime.tensor.VectorOps;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.util.Arrays;
import java.util.List;

/**
 * One projection of one layer over every row of a {@link Batch}, each run with its own adapters
 * (S-LoRA/Punica style, unmerged):
 * <ol>
 *   <li>{@code y = W·x} for all rows at once: W streams from memory once per step, however many
 *       sequences and adapters share it (runs with merged weights have a W of their own);</li>
 *   <li>{@code A·x} once per distinct A, over the rows from the first to the last run that uses
 *       it: LoRI adapters trained from one seed hold the same frozen A, so they share it;</li>
 *   <li>each stretch of runs with the same projection adds its updates, in order:
 *       {@code y += B·(s·A·x)}, with B as the adapter keeps it (compressed rows for a sparse
 *       LoRI-S B).</li>
 * </ol>
 * Every row gets exactly the values it would get alone. Nothing is allocated per call.
 */
final class BatchedProjection {
    /** Workspace slots: the scaled copy of A·x, B·(s·A·x), then one per distinct A. */
    private static final int SCALED = 0, UPDATE = 1, FIRST_PRODUCT = 2;

    private final Batch batch;
    private WeightMatrix[] distinctA = new WeightMatrix[4];
    private int[] firstRun = new int[4];
    private int[] lastRun = new int[4];
    private int distinct;

    BatchedProjection(Batch batch) {
        this.batch = batch;
    }

    /** {@code y = projection(x)} for every row of the batch; x is rows × in, y rows × out. */
    void apply(int layer, Projection p, float[] x, float[] y) {
        Backend backend = batch.workspace.backend();
        RowRuns runs = batch.runs;
        int count = runs.count();
        for (int i = 0; i < count; ) {
            WeightMatrix w = linear(i, layer, p).weight();
            int j = i + 1;
            while (j < count && linear(j, layer, p).weight() == w) j++;
            backend.matmul(w, x, runs, i, j, y);
            i = j;
        }
        distinct = 0;
        for (int i = 0; i < count; i++) {
            List<? extends LowRankUpdate> updates = linear(i, layer, p).updates();
            for (int u = 0; u < updates.size(); u++) note(updates.get(u).a(), i);
        }
        if (distinct == 0) return;
        for (int s = 0; s < distinct; s++) {
            backend.matmul(distinctA[s], x, runs, firstRun[s], lastRun[s] + 1, product(s));
        }
        for (int i = 0; i < count; ) {
            Linear linear = linear(i, layer, p);
            int j = i + 1;
            while (j < count && linear(j, layer, p) == linear) j++;
            List<? extends LowRankUpdate> updates = linear.updates();
            for (int u = 0; u < updates.size(); u++) addUpdate(updates.get(u), i, j, y);
            i = j;
        }
    }

    private Linear linear(int run, int layer, Projection p) {
        return batch.linears(run).get(layer, p);
    }

    /** Records that run {@code run} needs {@code A·x}. */
    private void note(WeightMatrix a, int run) {
        for (int s = 0; s < distinct; s++) {
            if (distinctA[s] == a) {
                lastRun[s] = run;
                return;
            }
        }
        if (distinct == distinctA.length) {
            distinctA = Arrays.copyOf(distinctA, 2 * distinct);
            firstRun = Arrays.copyOf(firstRun, 2 * distinct);
            lastRun = Arrays.copyOf(lastRun, 2 * distinct);
        }
        distinctA[distinct] = a;
        firstRun[distinct] = run;
        lastRun[distinct] = run;
        distinct++;
    }

    /** A·x of distinct A number {@code s}: rows × r, indexed as the batch's rows. */
    private float[] product(int s) {
        return batch.workspace.scratch(FIRST_PRODUCT + s, batch.rows() * distinctA[s].rows());
    }

    /** {@code y += B·(s·A·x)} for the rows of runs {@code [from, to)}. */
    private void addUpdate(LowRankUpdate u, int from, int to, float[] y) {
        RowRuns runs = batch.runs;
        int rank = u.a().rows(), out = u.b().rows();
        int rowFrom = runs.start(from), rowTo = runs.end(to - 1);
        float[] ax = null;
        for (int s = 0; s < distinct; s++) if (distinctA[s] == u.a()) ax = product(s);
        if (u.scale() != 1f) { // scaled apart: other runs may share this A·x with another scale
            float[] scaled = batch.workspace.scratch(SCALED, batch.rows() * rank);
            System.arraycopy(ax, rowFrom * rank, scaled, rowFrom * rank, (rowTo - rowFrom) * rank);
            VectorOps.scale(scaled, rowFrom * rank, u.scale(), (rowTo - rowFrom) * rank);
            ax = scaled;
        }
        float[] update = batch.workspace.scratch(UPDATE, batch.rows() * out);
        batch.workspace.backend().matmul(u.b(), ax, runs, from, to, update);
        VectorOps.add(y, update, rowFrom * out, rowTo * out);
    }

    /**
     * The backward pass of {@link #apply} for a batch of one run: given the projection's input
     * {@code x} and the gradient {@code dy} of its output, writes (or with {@code accumulate}
     * adds) the gradient of its input, {@code dx = Wᵀ·dy + Σ s·Aᵀ·(Bᵀ·dy)}, and adds the
     * gradients of its {@link TrainableUpdate}s. W, A and B are only read.
     */
    void backward(int layer, Projection p, float[] x, float[] dy, float[] dx, boolean accumulate, ActivationTape tape) {
        Backend backend = batch.workspace.backend();
        int n = batch.rows();
        Linear linear = linear(0, layer, p);
        int in = linear.inFeatures();
        float[] sum = accumulate ? tape.product : dx;
        backend.matmulTransposed(linear.weight(), dy, n, sum);
        List<? extends LowRankUpdate> updates = linear.updates();
        for (int i = 0; i < updates.size(); i++) {
            LowRankUpdate u = updates.get(i);
            int rank = u.a().rows();
            float[] z = batch.workspace.scratch(FIRST_PRODUCT, n * rank);      // A·x, recomputed
            float[] g = batch.workspace.scratch(FIRST_PRODUCT + 1, n * rank);  // Bᵀ·dy
            float[] back = batch.workspace.scratch(UPDATE, n * in);            // s·Aᵀ·(Bᵀ·dy)
            backend.matmul(u.a(), x, n, z);
            backend.matmulTransposed(u.b(), dy, n, g);
            if (u instanceof TrainableUpdate t) t.addGradients(x, dy, z, g, n);
            VectorOps.scale(g, 0, u.scale(), n * rank);
            backend.matmulTransposed(u.a(), g, n, back);
            VectorOps.add(sum, back, 0, n * in);
        }
        if (accumulate) VectorOps.add(dx, sum, 0, n * in);
    }
}
