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
    private static final int HALF = 16;

    public Q4_0Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q4_0, data, rows, cols);
    }

    @Override
    protected int blockElements() {
        return 32;
    }

    @Override
    protected int blockBytes() {
        return 18;
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int packed = u8(offset + 2 + i % HALF);
        int q = i < HALF ? packed & 0xF : packed >>> 4;
        return f16(offset) * (q - 8);
    }

    @Override
    protected float blockScale(long offset) {
        return f16(offset);
    }

    /** Values 0..15 are the low nibbles, 16..31 the high nibbles of the same 16 bytes; q − 8 as floats. */
    @Override
    protected FloatVector part(long offset, int part) {
        int first = part * F.length();
        ByteVector packed = ByteVector.fromMemorySegment(B, data, offset + 2 + first % HALF, LE);
        ByteVector q = first < HALF ? packed.and((byte) 0xF) : packed.lanewise(VectorOperators.LSHR, 4);
        return (FloatVector) q.sub((byte) 8).convertShape(VectorOperators.B2F, F, 0);
    }
}
