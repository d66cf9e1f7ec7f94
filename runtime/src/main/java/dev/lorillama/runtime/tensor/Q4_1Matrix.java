package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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

    /**
     * Σ (d·q + m)·x = d·Σ q·x + m·Σ x: per block the products and the activations are summed
     * apart and combined once, so each vector of weights costs one FMA and one add. Each L bytes
     * of nibbles are loaded and widened once (see {@link Q5_0Matrix#dotRow}).
     */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector acc = FloatVector.zero(F), offsets = acc;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            float d = f16(offset), m = f16(offset + 2);
            FloatVector products = FloatVector.zero(F), sums = products;
            for (int g = 0; g < HALF; g += F.length()) {
                IntVector bytes = widen(offset + QUANTS + g);
                FloatVector xLow = FloatVector.fromArray(F, x, xo + g), xHigh = FloatVector.fromArray(F, x, xo + HALF + g);
                products = ((FloatVector) bytes.and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(xLow, products);
                products = ((FloatVector) bytes.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0)).fma(xHigh, products);
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
            for (int g = 0; g < HALF; g += F.length()) {
                IntVector bytes = widen(offset + QUANTS + g);
                ((FloatVector) bytes.and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(d, m).intoArray(dst, at + g);
                ((FloatVector) bytes.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0)).fma(d, m).intoArray(dst, at + HALF + g);
            }
        }
    }
}
