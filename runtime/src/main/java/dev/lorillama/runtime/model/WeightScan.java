package dev.lorillama.runtime.model;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.HfCheckpoint;
import dev.lorillama.runtime.format.MappedTensors;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.format.gguf.GgufFile;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.WeightMatrices;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes every tensor of a model file and counts the values that are not finite numbers. A NaN
 * or an infinity in a weight spreads through every later layer, and the model answers garbage;
 * this finds where it came from. Quantized tensors are decoded as the forward pass decodes them,
 * so a block scale of NaN or Inf counts for each value it scales.
 */
public final class WeightScan {
    /** A tensor with values that are not finite; {@code row} and {@code col} of the first one. */
    public record Finding(String tensor, long nan, long infinite, int row, int col) {}

    /** What was scanned, and what was found. */
    public record Result(int tensors, long values, List<Finding> findings) {}

    private WeightScan() {}

    /** Scans the checkpoint directory or GGUF file at {@code path}. */
    public static Result scan(Path path) {
        if (!Files.exists(path)) throw new UserInputException(path + ": no such file or directory");
        MappedTensors file;
        if (HfCheckpoint.looksLikeCheckpoint(path)) file = HfCheckpoint.open(path);
        else if (GgufFile.looksLikeGguf(path)) file = GgufFile.open(path);
        else throw new UserInputException(path + ": not a model (expected a Hugging Face checkpoint directory with config.json or a .gguf file)");
        try (file) {
            return scan(file.tensors().values());
        }
    }

    static Result scan(Iterable<TensorData> tensors) {
        List<Finding> findings = new ArrayList<>();
        int count = 0;
        long values = 0;
        for (TensorData t : tensors) {
            if (t.dtype() == DType.BOOL || t.rank() == 0 || t.elementCount() == 0) continue;
            WeightMatrix m = WeightMatrices.of(t.rank() == 2 ? t : asOneRow(t));
            float[] row = new float[m.cols()];
            long nan = 0, infinite = 0;
            int firstRow = -1, firstCol = -1;
            for (int r = 0; r < m.rows(); r++) {
                m.readRow(r, row, 0);
                for (int c = 0; c < row.length; c++) {
                    if (Float.isFinite(row[c])) continue;
                    if (Float.isNaN(row[c])) nan++;
                    else infinite++;
                    if (firstRow < 0) {
                        firstRow = r;
                        firstCol = c;
                    }
                }
            }
            count++;
            values += (long) m.rows() * m.cols();
            if (nan + infinite > 0) findings.add(new Finding(t.name(), nan, infinite, firstRow, firstCol));
        }
        return new Result(count, values, findings);
    }

    /** A vector or a tensor of three or more dimensions, as rows of its last dimension. */
    private static TensorData asOneRow(TensorData t) {
        long cols = t.shape()[t.rank() - 1];
        return new TensorData(t.name(), t.dtype(), new long[] {t.elementCount() / cols, cols}, t.bytes(), t.file(), t.fileOffset());
    }
}
