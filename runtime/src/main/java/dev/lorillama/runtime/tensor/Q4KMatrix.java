package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q4_K: super-blocks of 256 values = f16 d, f16 dmin, 12 bytes packing a 6-bit scale and a
 * 6-bit min for each of 8 sub-blocks of 32, then 128 bytes of nibbles. Values 64j..64j+31 are the
 * low nibbles of bytes 32j..32j+31 (sub-block 2j), values 64j+32.. their high nibbles (2j+1);
 * value = d·scale − dmin·min.
 */
public final class Q4KMatrix extends BlockQuantizedMatrix {
    static final int BLOCK = 256;
    private static final int SCALES = 4;
    private static final int QUANTS = 16;

    public Q4KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q4_K, data, rows, cols);
    }

    /** 6-bit scale of sub-block j (0..7): the first four sit in bytes 0..3, the rest are split. */
    int scale(long offset, int j) {
        long s = offset + SCALES;
        return j < 4 ? u8(s + j) & 63 : (u8(s + j + 4) & 0xF) | ((u8(s + j - 4) >>> 6) << 4);
    }

    /** 6-bit min of sub-block j (0..7). */
    int min(long offset, int j) {
        long s = offset + SCALES;
        return j < 4 ? u8(s + j + 4) & 63 : (u8(s + j + 4) >>> 4) | ((u8(s + j) >>> 6) << 4);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int sub = i / 32;
        int packed = u8(offset + QUANTS + (i / 64) * 32 + i % 32);
        int q = sub % 2 == 0 ? packed & 0xF : packed >>> 4;
        return f16(offset) * scale(offset, sub) * q - f16(offset + 2) * min(offset, sub);
    }

    @Override
    protected void decodeBlock(long offset, float[] out, int oo) {
        float d = f16(offset), dmin = f16(offset + 2);
        for (int j = 0; j < 4; j++) {
            FloatVector lowScale = FloatVector.broadcast(F, d * scale(offset, 2 * j));
            FloatVector lowMin = FloatVector.broadcast(F, -dmin * min(offset, 2 * j));
            FloatVector highScale = FloatVector.broadcast(F, d * scale(offset, 2 * j + 1));
            FloatVector highMin = FloatVector.broadcast(F, -dmin * min(offset, 2 * j + 1));
            for (int i = 0; i < 32; i += F.length()) {
                ByteVector packed = ByteVector.fromMemorySegment(B, data, offset + QUANTS + 32 * j + i, LE);
                toFloat(packed.and((byte) 0xF)).fma(lowScale, lowMin).intoArray(out, oo + 64 * j + i);
                toFloat(packed.lanewise(VectorOperators.LSHR, 4)).fma(highScale, highMin).intoArray(out, oo + 64 * j + 32 + i);
            }
        }
    }

    private static FloatVector toFloat(ByteVector v) {
        return (FloatVector) v.convertShape(VectorOperators.B2F, F, 0);
    }
}
