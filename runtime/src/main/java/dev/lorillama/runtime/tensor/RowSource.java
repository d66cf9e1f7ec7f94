package dev.lorillama.runtime.tensor;

/** Produces the rows of a matrix one at a time, so that writers and builders never hold it whole. */
@FunctionalInterface
public interface RowSource {
    /** Fills {@code dst} (zeroed, one row long) with row {@code r}. */
    void row(int r, float[] dst);
}
