package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml IQ4_XS: super-blocks of 256 values = f16 d, a u16 and 4 bytes holding a 6-bit scale for
 * each of 8 sub-blocks of 32 (low 4 bits: nibble j of the 4 bytes, read as one little-endian
 * int; high 2 bits: bits 2j, 2j+1 of the u16), then 128 bytes of nibbles, 16 per sub-block as
 * in IQ4_NL (byte k: value k in the low nibble, k+16 in the high); value =
 * d·(scale − 32)·level[q] ({@link #iq4Level}).
 */
public final class IQ4_XSMatrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 256;
    private static final int BYTES = 136;
    private static final int HIGH_SCALES = 2;
    private static final int LOW_SCALES = 4;
    private static final int QUANTS = 8;

    public IQ4_XSMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.IQ4_XS, data, rows, cols);
    }

    /** The 6-bit scale of sub-block {@code j}, from the low bits {@code low} and high bits {@code high} of its super-block. */
    private static int scale(int low, int high, int j) {
        return ((low >>> (4 * j)) & 0xF | ((high >>> (2 * j)) & 3) << 4) - 32;
    }

    private int lowScales(long offset) {
        return data.get(LE_INT, offset + LOW_SCALES);
    }

    private int highScales(long offset) {
        return data.get(LE_SHORT, offset + HIGH_SCALES);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int j = i / 32, k = i % 32;
        int packed = u8(offset + QUANTS + 16L * j + k % 16);
        float dl = f16(offset) * scale(lowScales(offset), highScales(offset), j);
        return dl * iq4Level(k < 16 ? packed & 0xF : packed >>> 4);
    }

    /** Levels of values {@code first .. first+L} of the sub-block whose 16 bytes of nibbles start at {@code at}. */
    private FloatVector levels(long at, int first) {
        return iq4Levels(at + first % 16, first < 16);
    }

    /** Where the nibbles of sub-block {@code j} start. */
    private static long nibbles(long offset, int j) {
        return offset + QUANTS + 16L * j;
    }

    /** Levels summed with the activations per sub-block, then scaled once; two accumulators take turns. */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector recent = FloatVector.zero(F), older = recent;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            float d = f16(offset);
            int low = lowScales(offset), high = highScales(offset);
            for (int j = 0; j < 8; j++) {
                FloatVector sum = levels(nibbles(offset, j), 0).mul(FloatVector.fromArray(F, x, xo + 32 * j));
                for (int p = F.length(); p < 32; p += F.length()) sum = levels(nibbles(offset, j), p).fma(FloatVector.fromArray(F, x, xo + 32 * j + p), sum);
                FloatVector next = sum.fma(FloatVector.broadcast(F, d * scale(low, high, j)), older);
                older = recent;
                recent = next;
            }
        }
        return recent.add(older).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset);
            int low = lowScales(offset), high = highScales(offset);
            for (int j = 0; j < 8; j++) {
                float dl = d * scale(low, high, j);
                for (int p = 0; p < 32; p += F.length()) levels(nibbles(offset, j), p).mul(dl).intoArray(dst, at + 32 * j + p);
            }
        }
    }
}
