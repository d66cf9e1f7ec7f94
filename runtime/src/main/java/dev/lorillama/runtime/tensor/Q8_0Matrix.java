package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** ggml Q8_0: blocks of 32 values = f16 scale d (2 bytes) + 32 signed bytes q; value = d·q. */
public final class Q8_0Matrix extends BlockQuantizedMatrix {
    public Q8_0Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q8_0, data, rows, cols);
    }

    @Override
    protected int blockElements() {
        return 32;
    }

    @Override
    protected int blockBytes() {
        return 34;
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        return f16(offset) * data.get(ValueLayout.JAVA_BYTE, offset + 2 + i);
    }

    @Override
    protected float blockScale(long offset) {
        return f16(offset);
    }

    /** The signed bytes, widened to floats. */
    @Override
    protected FloatVector part(long offset, int part) {
        return (FloatVector) ByteVector.fromMemorySegment(B, data, offset + 2 + (long) part * F.length(), LE)
                .convertShape(VectorOperators.B2F, F, 0);
    }
}
