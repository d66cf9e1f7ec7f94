package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q5_1: blocks of 32 values = f16 scale d, f16 offset m, 4 bytes qh (bit j, little-endian,
 * is the fifth bit of value j), 16 bytes of nibbles (byte j: value j in the low nibble, j+16 in
 * the high); value = d·q + m.
 */
public final class Q5_1Matrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 32;
    private static final int BYTES = 24;
    private static final int HIGH_BITS = 4;
    private static final int QUANTS = 8;
    private static final int HALF = 16;

    public Q5_1Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q5_1, data, rows, cols);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int packed = u8(offset + QUANTS + i % HALF);
        int q = (i < HALF ? packed & 0xF : packed >>> 4) | ((data.get(LE_INT, offset + HIGH_BITS) >>> i) & 1) << 4;
        return q * f16(offset) + f16(offset + 2);
    }

    /** Values {@code first .. first+L} of the block at {@code offset}, whose fifth bits are {@code qh}: q as floats. */
    private FloatVector values(long offset, int qh, int first) {
        return (FloatVector) quants(offset, qh, first).convertShape(VectorOperators.I2F, F, 0);
    }

    private IntVector quants(long offset, int qh, int first) {
        return lowBits(offset, first).or(fifthBits(qh, first));
    }

    /** Bits 0..3 of values {@code first .. first+L}: their nibbles. */
    private IntVector lowBits(long offset, int first) {
        return nibbles(offset + QUANTS + first % HALF, first < HALF);
    }

    /** Σ (d·q + m)·x = d·Σ q·x + m·Σ x, the two sums combined once per block (as {@link Q4_1Matrix}). */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector acc = FloatVector.zero(F), offsets = acc;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            int qh = data.get(LE_INT, offset + HIGH_BITS);
            FloatVector xs = FloatVector.fromArray(F, x, xo);
            FloatVector products = values(offset, qh, 0).mul(xs), sums = xs;
            for (int p = F.length(); p < BLOCK; p += F.length()) {
                xs = FloatVector.fromArray(F, x, xo + p);
                products = values(offset, qh, p).fma(xs, products);
                sums = sums.add(xs);
            }
            acc = products.fma(broadcastF16(offset), acc);
            offsets = sums.fma(broadcastF16(offset + 2), offsets);
        }
        return acc.add(offsets).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset), m = f16(offset + 2);
            int qh = data.get(LE_INT, offset + HIGH_BITS);
            for (int p = 0; p < BLOCK; p += F.length()) values(offset, qh, p).fma(d, m).intoArray(dst, at + p);
        }
    }
}
