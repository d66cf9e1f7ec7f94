package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** ggml Q8_0: blocks of 32 values = f16 scale d (2 bytes) + 32 signed bytes q; value = d·q. */
public final class Q8_0Matrix extends BlockQuantizedMatrix {
    static final int BLOCK = 32;

    public Q8_0Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q8_0, data, rows, cols);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        return f16(offset) * data.get(ValueLayout.JAVA_BYTE, offset + 2 + i);
    }

    @Override
    protected void decodeBlock(long offset, float[] out, int oo) {
        FloatVector d = FloatVector.broadcast(F, f16(offset));
        for (int i = 0; i < BLOCK; i += F.length()) {
            widen(offset + 2 + i).mul(d).intoArray(out, oo + i);
        }
    }

    /** Σ q·x over the block in lanes, scaled by d once per block. */
    @Override
    protected FloatVector dotBlock(long offset, float[] x, int xo, FloatVector acc, float[] blockScratch) {
        FloatVector sum = widen(offset + 2).mul(FloatVector.fromArray(F, x, xo));
        for (int i = F.length(); i < BLOCK; i += F.length()) {
            sum = widen(offset + 2 + i).fma(FloatVector.fromArray(F, x, xo + i), sum);
        }
        return sum.fma(FloatVector.broadcast(F, f16(offset)), acc);
    }

    private FloatVector widen(long byteOffset) {
        return (FloatVector) ByteVector.fromMemorySegment(B, data, byteOffset, LE).convertShape(VectorOperators.B2F, F, 0);
    }
}
