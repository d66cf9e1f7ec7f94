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

    /**
     * Σ (d·q + m)·x = d·Σ q·x + m·Σ x, the two sums combined once per block (as {@link Q4_1Matrix});
     * each L bytes of nibbles loaded and widened once (see {@link Q5_0Matrix#dotRow}).
     */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector acc = FloatVector.zero(F), offsets = acc;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            float d = f16(offset), m = f16(offset + 2);
            int qh = data.get(LE_INT, offset + HIGH_BITS);
            FloatVector products = FloatVector.zero(F), sums = products;
            for (int g = 0; g < HALF; g += F.length()) {
                IntVector bytes = widen(offset + QUANTS + g);
                IntVector low = bytes.and(0xF).or(fifthBits(qh, g)), high = bytes.lanewise(VectorOperators.LSHR, 4).or(fifthBits(qh, HALF + g));
                FloatVector xLow = FloatVector.fromArray(F, x, xo + g), xHigh = FloatVector.fromArray(F, x, xo + HALF + g);
                products = ((FloatVector) low.convertShape(VectorOperators.I2F, F, 0)).fma(xLow, products);
                products = ((FloatVector) high.convertShape(VectorOperators.I2F, F, 0)).fma(xHigh, products);
                sums = sums.add(xLow).add(xHigh);
            }
            acc = products.fma(FloatVector.broadcast(F, d), acc);
            offsets = sums.fma(FloatVector.broadcast(F, m), offsets);
        }
        return acc.add(offsets).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset), m = f16(offset + 2);
            int qh = data.get(LE_INT, offset + HIGH_BITS);
            for (int g = 0; g < HALF; g += F.length()) {
                IntVector bytes = widen(offset + QUANTS + g);
                IntVector low = bytes.and(0xF).or(fifthBits(qh, g)), high = bytes.lanewise(VectorOperators.LSHR, 4).or(fifthBits(qh, HALF + g));
                ((FloatVector) low.convertShape(VectorOperators.I2F, F, 0)).fma(d, m).intoArray(dst, at + g);
                ((FloatVector) high.convertShape(VectorOperators.I2F, F, 0)).fma(d, m).intoArray(dst, at + HALF + g);
            }
        }
    }
}
