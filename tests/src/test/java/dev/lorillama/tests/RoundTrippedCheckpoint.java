package dev.lorillama.tests;

import dev.lorillama.runtime.format.HfCheckpoint;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.format.TensorSource;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.TensorEncoder;
import dev.lorillama.runtime.tensor.WeightMatrices;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;
import java.util.Set;

/**
 * An HF checkpoint whose matrices went through a stored type and back (encode, then decode) and
 * are served as F32 in the HF layout: what the GGUF of that type must compute, up to float
 * rounding, if its layout is right.
 */
final class RoundTrippedCheckpoint implements TensorSource {
    private final HfCheckpoint checkpoint;
    private final DType type;

    RoundTrippedCheckpoint(HfCheckpoint checkpoint, DType type) {
        this.checkpoint = checkpoint;
        this.type = type;
    }

    @Override
    public String describe() {
        return checkpoint.describe() + " via " + type;
    }

    @Override
    public Set<String> names() {
        return checkpoint.names();
    }

    @Override
    public Optional<TensorData> find(String name) {
        return checkpoint.find(name).map(t -> t.rank() == 2 ? roundTrip(t) : t);
    }

    private TensorData roundTrip(TensorData t) {
        WeightMatrix original = WeightMatrices.of(t);
        int rows = original.rows(), cols = original.cols();
        byte[] encoded = new byte[(int) type.byteSize(cols)];
        MemorySegment storedRow = Arena.ofAuto().allocate(encoded.length);
        MemorySegment out = Arena.ofAuto().allocate((long) rows * cols * Float.BYTES);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            original.readRow(r, row, 0);
            TensorEncoder.encode(type, row, 0, cols, encoded, 0);
            storedRow.copyFrom(MemorySegment.ofArray(encoded));
            WeightMatrices.of(new TensorData(t.name(), type, new long[] {1, cols}, storedRow, t.file())).readRow(0, row, 0);
            MemorySegment.copy(row, 0, out, ValueLayout.JAVA_FLOAT_UNALIGNED, (long) r * cols * Float.BYTES, cols);
        }
        return new TensorData(t.name(), DType.F32, t.shape(), out, t.file());
    }
}
