package dev.lorillama.lori;

import dev.lorillama.runtime.tensor.WeightMatrix;

/** Counting exact zeros, which is how LoRI-S sparsity shows in a dense file. */
final class Densities {
    private Densities() {}

    static long nonZeros(WeightMatrix m) {
        long count = 0;
        float[] row = new float[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            m.readRow(r, row, 0);
            for (float v : row) if (v != 0f) count++;
        }
        return count;
    }

    static double nonZeroFraction(WeightMatrix m) {
        return (double) nonZeros(m) / ((long) m.rows() * m.cols());
    }

    /** Entries that are non-zero in both matrices (of one shape): where two sparse masks meet. */
    static long nonZerosInBoth(WeightMatrix a, WeightMatrix b) {
        long count = 0;
        float[] rowA = new float[a.cols()], rowB = new float[b.cols()];
        for (int r = 0; r < a.rows(); r++) {
            a.readRow(r, rowA, 0);
            b.readRow(r, rowB, 0);
            for (int c = 0; c < rowA.length; c++) if (rowA[c] != 0f && rowB[c] != 0f) count++;
        }
        return count;
    }
}
