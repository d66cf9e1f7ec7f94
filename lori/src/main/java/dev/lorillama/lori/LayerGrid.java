package dev.lorillama.lori;

import dev.lorillama.runtime.model.Projection;
import java.util.Arrays;

/** A value per layer × projection, the shape of the adapter heatmaps; NaN marks a projection not adapted. */
final class LayerGrid {
    private LayerGrid() {}

    static double[][] empty(int layers) {
        double[][] grid = new double[layers][Projection.values().length];
        for (double[] row : grid) Arrays.fill(row, Double.NaN);
        return grid;
    }
}
