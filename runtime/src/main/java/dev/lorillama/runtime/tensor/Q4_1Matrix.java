package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q4_1: blocks of 32 values = f16 scale d, f16 offset m, 16 bytes of nibbles (byte j holds
 * value j in its low nibble and value j+16 in its high nibble); value = d·q + m.
 */
public final class Q4_1Matrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 32;
    private static final int BYTES = 20;
    private static final int QUANTS = 4;
    private static final int HALF = 16;

    public Q4_1Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q4_1, data, rows, cols);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int packed = u8(offset + QUANTS + i % HALF);
        int q = i < HALF ? packed & 0xF : packed >>> 4;
        return q * f16(offset) + f16(offset + 2);
    }

    /** Values {@code first .. first+L} of the block at {@code offset}: the nibbles q as floats. */
    private FloatVector q(long offset, int first) {
        return floats(offset + QUANTS + first % HALF, first < HALF);
    }

    private FloatVector floats(long at, boolean low) {
        return (FloatVector) nibbles(at, low).convertShape(VectorOperators.I2F, F, 0);
    }

    /**
     * Σ (d·q + m)·x = d·Σ q·x + m·Σ x: per block the products and the activations are summed
     * apart and combined once, so each vector of weights costs one FMA and one add.
     */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector acc = FloatVector.zero(F), offsets = acc;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            FloatVector xs = FloatVector.fromArray(F, x, xo);
            FloatVector products = q(offset, 0).mul(xs), sums = xs;
            for (int p = F.length(); p < BLOCK; p += F.length()) {
                xs = FloatVector.fromArray(F, x, xo + p);
                products = q(offset, p).fma(xs, products);
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
            for (int p = 0; p < BLOCK; p += F.length()) q(offset, p).fma(d, m).intoArray(dst, at + p);
        }
    }
}
