package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q5_0: blocks of 32 values = f16 scale d, 4 bytes qh (bit j, little-endian, is the fifth
 * bit of value j), 16 bytes of nibbles (byte j: value j in the low nibble, j+16 in the high);
 * value = d·(q − 16).
 */
public final class Q5_0Matrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 32;
    private static final int BYTES = 22;
    private static final int HIGH_BITS = 2;
    private static final int QUANTS = 6;
    private static final int HALF = 16;

    public Q5_0Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q5_0, data, rows, cols);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int packed = u8(offset + QUANTS + i % HALF);
        int q = (i < HALF ? packed & 0xF : packed >>> 4) | ((data.get(LE_INT, offset + HIGH_BITS) >>> i) & 1) << 4;
        return (q - 16) * f16(offset);
    }

    /** Values {@code first .. first+L} of the block at {@code offset}, whose fifth bits are {@code qh}: q − 16 as floats. */
    private FloatVector values(long offset, int qh, int first) {
        return (FloatVector) quants(offset, qh, first).convertShape(VectorOperators.I2F, F, 0);
    }

    private IntVector quants(long offset, int qh, int first) {
        return lowBits(offset, first).or(fifthBits(qh, first)).sub(16);
    }

    /** Bits 0..3 of values {@code first .. first+L}: their nibbles. */
    private IntVector lowBits(long offset, int first) {
        return nibbles(offset + QUANTS + first % HALF, first < HALF);
    }

    /** Products summed per block and scaled once by d; two accumulators take turns, one block at a time. */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector recent = FloatVector.zero(F), older = recent;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            int qh = data.get(LE_INT, offset + HIGH_BITS);
            FloatVector sum = values(offset, qh, 0).mul(FloatVector.fromArray(F, x, xo));
            for (int p = F.length(); p < BLOCK; p += F.length()) sum = values(offset, qh, p).fma(FloatVector.fromArray(F, x, xo + p), sum);
            FloatVector next = sum.fma(broadcastF16(offset), older);
            older = recent;
            recent = next;
        }
        return recent.add(older).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset);
            int qh = data.get(LE_INT, offset + HIGH_BITS);
            for (int p = 0; p < BLOCK; p += F.length()) values(offset, qh, p).mul(d).intoArray(dst, at + p);
        }
    }
}
