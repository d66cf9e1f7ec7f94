package dev.lorillama.runtime.tensor;

import java.util.Arrays;

/**
 * A small matrix of floats on the heap, for adapter factors (LoRA A and B, and their weighted
 * sums). They are a fraction of the base's size, and keeping them out of the mapped-file classes
 * keeps those kernels' loops specialised to the one type the base uses: if F32 adapters ran
 * through the same loops as a BF16 base, the JIT would compile those loops for both and the base
 * would decode several times slower.
 */
public final class FloatArrayMatrix implements WeightMatrix {
    private final String name;
    private final int rows;
    private final int cols;
    private final float[] values;

    private FloatArrayMatrix(String name, int rows, int cols, float[] values) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.values = values;
    }

    /** Builds the matrix row by row. */
    public static FloatArrayMatrix of(String name, int rows, int cols, RowSource source) {
        float[] values = new float[Math.multiplyExact(rows, cols)];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(row, 0f);
            source.row(r, row);
            System.arraycopy(row, 0, values, r * cols, cols);
        }
        return new FloatArrayMatrix(name, rows, cols, values);
    }

    /**
     * A matrix over {@code values} itself (row-major, not copied): whoever owns the array may
     * change it between products, as an optimizer does with the factors it trains.
     */
    public static FloatArrayMatrix wrap(String name, int rows, int cols, float[] values) {
        if (values.length != rows * cols) throw new IllegalArgumentException(name + ": " + values.length + " values for " + rows + "x" + cols);
        return new FloatArrayMatrix(name, rows, cols, values);
    }

    /** Decodes any matrix (e.g. a mapped F32/BF16 adapter tensor) into heap floats. */
    public static FloatArrayMatrix copyOf(WeightMatrix m) {
        float[] values = new float[Math.multiplyExact(m.rows(), m.cols())];
        for (int r = 0; r < m.rows(); r++) m.readRow(r, values, r * m.cols());
        return new FloatArrayMatrix(m.describe(), m.rows(), m.cols(), values);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public long byteSize() {
        return (long) values.length * Float.BYTES;
    }

    @Override
    public String describe() {
        return name + " F32 (heap) [" + rows + ", " + cols + "]";
    }

    @Override
    public void multiplyRows(float[] x, int tokenFrom, int tokenTo, float[] y, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            for (int t = tokenFrom; t < tokenTo; t++) y[t * rows + r] = VectorOps.dot(values, r * cols, x, t * cols, cols);
        }
    }

    @Override
    public float get(int row, int col) {
        return values[row * cols + col];
    }

    @Override
    public void readRow(int row, float[] dst, int offset) {
        System.arraycopy(values, row * cols, dst, offset, cols);
    }
}
