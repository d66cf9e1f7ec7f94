package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q4_0: blocks of 32 values = f16 scale d (2 bytes) + 16 bytes of nibbles. Byte j holds
 * value j in its low nibble and value j+16 in its high nibble; value = d·(q − 8).
 */
public final class Q4_0Matrix extends BlockQuantizedMatrix {
    static final int BLOCK = 32;
    private static final int HALF = BLOCK / 2;

    public Q4_0Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q4_0, data, rows, cols);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int packed = u8(offset + 2 + i % HALF);
        int q = i < HALF ? packed & 0xF : packed >>> 4;
        return f16(offset) * (q - 8);
    }

    @Override
    protected void decodeBlock(long offset, float[] out, int oo) {
        FloatVector d = FloatVector.broadcast(F, f16(offset));
        for (int i = 0; i < HALF; i += F.length()) {
            ByteVector packed = ByteVector.fromMemorySegment(B, data, offset + 2 + i, LE);
            low(packed).mul(d).intoArray(out, oo + i);
            high(packed).mul(d).intoArray(out, oo + HALF + i);
        }
    }

    /** Both nibbles of each loaded byte vector meet their activations; d scales once per block. */
    @Override
    protected FloatVector dotBlock(long offset, float[] x, int xo, FloatVector acc, float[] blockScratch) {
        FloatVector sum = FloatVector.zero(F);
        for (int i = 0; i < HALF; i += F.length()) {
            ByteVector packed = ByteVector.fromMemorySegment(B, data, offset + 2 + i, LE);
            sum = low(packed).fma(FloatVector.fromArray(F, x, xo + i), sum);
            sum = high(packed).fma(FloatVector.fromArray(F, x, xo + HALF + i), sum);
        }
        return sum.fma(FloatVector.broadcast(F, f16(offset)), acc);
    }

    private static FloatVector low(ByteVector packed) {
        return (FloatVector) packed.and((byte) 0xF).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0);
    }

    private static FloatVector high(ByteVector packed) {
        return (FloatVector) packed.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0);
    }
}
