package dev.lorillama.runtime.tensor;

/**
 * A matrix that is mostly exact zeros (a LoRI-S B), kept as compressed rows: for each row the
 * columns and values of its non-zero entries. Lives on the heap: it is small by construction.
 */
public final class SparseRowsMatrix implements WeightMatrix {
    private final String name;
    private final int rows;
    private final int cols;
    private final int[] rowStart;   // rows + 1 offsets into columns/values
    private final int[] columns;
    private final float[] values;

    private SparseRowsMatrix(String name, int rows, int cols, int[] rowStart, int[] columns, float[] values) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.rowStart = rowStart;
        this.columns = columns;
        this.values = values;
    }

    /** Keeps the non-zero entries of {@code dense}, each multiplied by {@code scale}. */
    public static SparseRowsMatrix fromDense(WeightMatrix dense, float scale) {
        int rows = dense.rows(), cols = dense.cols();
        int[] rowStart = new int[rows + 1];
        float[] row = new float[cols];
        int nonZeros = 0;
        for (int r = 0; r < rows; r++) {
            dense.readRow(r, row, 0);
            for (float v : row) if (v != 0f) nonZeros++;
        }
        int[] columns = new int[nonZeros];
        float[] values = new float[nonZeros];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            rowStart[r] = k;
            dense.readRow(r, row, 0);
            for (int c = 0; c < cols; c++) {
                if (row[c] != 0f) {
                    columns[k] = c;
                    values[k++] = row[c] * scale;
                }
            }
        }
        rowStart[rows] = k;
        return new SparseRowsMatrix(dense.describe() + " (sparse)", rows, cols, rowStart, columns, values);
    }

    public int nonZeros() {
        return values.length;
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
        return (long) values.length * (Float.BYTES + Integer.BYTES) + (long) rowStart.length * Integer.BYTES;
    }

    @Override
    public String describe() {
        return name + " [" + rows + ", " + cols + "], " + values.length + " non-zeros";
    }

    @Override
    public void multiplyRows(float[] x, int tokenFrom, int tokenTo, float[] y, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            int from = rowStart[r], to = rowStart[r + 1];
            for (int t = tokenFrom; t < tokenTo; t++) {
                int xo = t * cols;
                float sum = 0f;
                for (int k = from; k < to; k++) sum += values[k] * x[xo + columns[k]];
                y[t * rows + r] = sum;
            }
        }
    }

    @Override
    public void readRow(int row, float[] dst, int offset) {
        java.util.Arrays.fill(dst, offset, offset + cols, 0f);
        for (int k = rowStart[row]; k < rowStart[row + 1]; k++) dst[offset + columns[k]] = values[k];
    }

    @Override
    public float get(int row, int col) {
        for (int k = rowStart[row]; k < rowStart[row + 1]; k++) if (columns[k] == col) return values[k];
        return 0f;
    }
}
