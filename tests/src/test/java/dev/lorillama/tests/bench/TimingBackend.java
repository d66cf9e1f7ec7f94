package dev.lorillama.tests.bench;

import dev.lorillama.runtime.backend.Backend;
import dev.lorillama.runtime.backend.RopeTable;
import dev.lorillama.runtime.tensor.RowRuns;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link Backend} that runs another and adds up the wall time of each operation: products by
 * the name given to their weight matrix ({@link #name}), the rest by operation. For profiles of
 * a forward step ({@link BatchedStepProfile}); the clock reads cost ~50 ns per call.
 */
final class TimingBackend implements Backend {
    private final Backend inner;
    private final Map<WeightMatrix, String> names = new IdentityHashMap<>();
    final Map<String, long[]> nanos = new LinkedHashMap<>();

    TimingBackend(Backend inner) {
        this.inner = inner;
    }

    /** Products of {@code w} count under {@code what} (unnamed matrices count as "other product"). */
    void name(WeightMatrix w, String what) {
        names.put(w, what);
    }

    void reset() {
        nanos.clear();
    }

    private void add(String what, long start) {
        nanos.computeIfAbsent(what, k -> new long[1])[0] += System.nanoTime() - start;
    }

    @Override
    public int threads() {
        return inner.threads();
    }

    @Override
    public void matmul(WeightMatrix w, float[] x, int tokens, float[] y) {
        long t = System.nanoTime();
        inner.matmul(w, x, tokens, y);
        add(names.getOrDefault(w, "other product"), t);
    }

    @Override
    public void matmul(WeightMatrix w, float[] x, RowRuns runs, int fromRun, int toRun, float[] y) {
        long t = System.nanoTime();
        inner.matmul(w, x, runs, fromRun, toRun, y);
        add(names.getOrDefault(w, "other product"), t);
    }

    @Override
    public void rmsNorm(float[] out, float[] x, float[] weight, float eps, int tokens, int dim) {
        long t = System.nanoTime();
        inner.rmsNorm(out, x, weight, eps, tokens, dim);
        add("rmsnorm", t);
    }

    @Override
    public void rope(float[] v, int tokens, int heads, int[] positions, RopeTable table) {
        long t = System.nanoTime();
        inner.rope(v, tokens, heads, positions, table);
        add("rope", t);
    }

    @Override
    public void attention(float[] out, float[] q, int tokens, int[] positions, float[][] keys, float[][] values,
                          int heads, int kvHeads, int headDim) {
        long t = System.nanoTime();
        inner.attention(out, q, tokens, positions, keys, values, heads, kvHeads, headDim);
        add("attention", t);
    }

    @Override
    public void swiglu(float[] gate, float[] up, int n) {
        long t = System.nanoTime();
        inner.swiglu(gate, up, n);
        add("swiglu", t);
    }

    @Override
    public void add(float[] x, float[] delta, int n) {
        long t = System.nanoTime();
        inner.add(x, delta, n);
        add("residual add", t);
    }

    @Override
    public void close() {
        inner.close();
    }
}
