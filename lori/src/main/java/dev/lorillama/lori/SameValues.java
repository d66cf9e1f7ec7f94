package dev.lorillama.lori;

import dev.lorillama.runtime.tensor.WeightMatrix;
import java.util.Arrays;

/** Whether two adapter factors hold the same values bit for bit (LoRI's shared frozen A), as held. */
final class SameValues {
    private SameValues() {}

    static boolean of(WeightMatrix a, WeightMatrix b) {
        if (a == b) return true;
        if (a.getClass() != b.getClass() || a.rows() != b.rows() || a.cols() != b.cols()) return false;
        float[] rowA = new float[a.cols()], rowB = new float[b.cols()];
        for (int r = 0; r < a.rows(); r++) {
            a.readRow(r, rowA, 0);
            b.readRow(r, rowB, 0);
            if (!Arrays.equals(rowA, rowB)) return false;
        }
        return true;
    }

    /** A hash of the shape and values, equal for factors that are {@link #of the same}. */
    static int hash(WeightMatrix m) {
        int h = 31 * m.rows() + m.cols();
        float[] row = new float[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            m.readRow(r, row, 0);
            h = 31 * h + Arrays.hashCode(row);
        }
        return h;
    }
}
