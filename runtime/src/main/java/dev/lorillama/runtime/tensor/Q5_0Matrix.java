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

    /**
     * Products summed per block and scaled once by d; two accumulators take turns, one block at a
     * time. Each L bytes of nibbles are loaded and widened once for the low-nibble and the
     * high-nibble values they hold: loads from a memory segment bring many nodes into the JIT's
     * graph (its access checks), and with four per block this loop passed the JIT's node budget
     * once the profile had seen both mapped and in-memory weights — a helper then stayed a call
     * and boxed its vector (KernelAllocationTest).
     */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector recent = FloatVector.zero(F), older = recent;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            int qh = data.get(LE_INT, offset + HIGH_BITS);
            FloatVector sum = FloatVector.zero(F);
            for (int g = 0; g < HALF; g += F.length()) {
                IntVector bytes = widen(offset + QUANTS + g);
                IntVector low = bytes.and(0xF).or(fifthBits(qh, g)).sub(16), high = bytes.lanewise(VectorOperators.LSHR, 4).or(fifthBits(qh, HALF + g)).sub(16);
                sum = ((FloatVector) low.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromArray(F, x, xo + g), sum);
                sum = ((FloatVector) high.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromArray(F, x, xo + HALF + g), sum);
            }
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
            for (int g = 0; g < HALF; g += F.length()) {
                IntVector bytes = widen(offset + QUANTS + g);
                IntVector low = bytes.and(0xF).or(fifthBits(qh, g)).sub(16), high = bytes.lanewise(VectorOperators.LSHR, 4).or(fifthBits(qh, HALF + g)).sub(16);
                ((FloatVector) low.convertShape(VectorOperators.I2F, F, 0)).mul(d).intoArray(dst, at + g);
                ((FloatVector) high.convertShape(VectorOperators.I2F, F, 0)).mul(d).intoArray(dst, at + HALF + g);
            }
        }
    }
}
