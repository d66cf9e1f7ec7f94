package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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

    /** Decode: the row's scales are taken as floats once per row, in {@link ActivationSums#scales}. */
    @Override
    protected void dotRows(float[] x, int xo, float[] y, int yo, int rowFrom, int rowTo) {
        float[] scales = ActivationSums.scales(8 * blocks);
        for (int r = rowFrom; r < rowTo; r++) y[yo + r] = dotRow(r * rowBytes, x, xo, scales);
    }

    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        return dotRow(offset, x, xo, ActivationSums.scales(8 * blocks));
    }

    /**
     * One row · x in two passes: the first writes each sub-block's d·(scale − 32) to
     * {@code scales}; the second is one flat loop over sub-blocks of 32, whose 16 bytes are
     * widened once for both nibbles, the levels summed with the activations and scaled by a
     * broadcast load. (The nested loops unpacked each scale between the vector work and widened
     * the bytes once per nibble.)
     */
    private float dotRow(long offset, float[] x, int xo, float[] scales) {
        for (int b = 0; b < blocks; b++) {
            long at = offset + (long) b * BYTES;
            float d = f16(at);
            int low = lowScales(at), high = highScales(at);
            for (int j = 0; j < 8; j++) scales[8 * b + j] = d * scale(low, high, j);
        }
        FloatVector even = FloatVector.zero(F), odd = even;
        for (int j = 0; j < 8 * blocks; j += 2) {
            long at = offset + (long) (j >> 3) * BYTES + QUANTS + 16 * (j & 7);
            FloatVector first = FloatVector.zero(F), second = first;
            for (int p = 0; p < 16; p += F.length()) {
                IntVector bytes = widen(at + p), next = widen(at + 16 + p);
                FloatVector lowLevels = (FloatVector) bytes.and(0xF).selectFrom(iq4Table(0), iq4Table(F.length())).reinterpretShape(F, 0);
                FloatVector highLevels = (FloatVector) bytes.lanewise(VectorOperators.LSHR, 4).selectFrom(iq4Table(0), iq4Table(F.length()))
                        .reinterpretShape(F, 0);
                FloatVector nextLow = (FloatVector) next.and(0xF).selectFrom(iq4Table(0), iq4Table(F.length())).reinterpretShape(F, 0);
                FloatVector nextHigh = (FloatVector) next.lanewise(VectorOperators.LSHR, 4).selectFrom(iq4Table(0), iq4Table(F.length()))
                        .reinterpretShape(F, 0);
                int xs = xo + 32 * j + p;
                first = lowLevels.fma(FloatVector.fromArray(F, x, xs), first);
                first = highLevels.fma(FloatVector.fromArray(F, x, xs + 16), first);
                second = nextLow.fma(FloatVector.fromArray(F, x, xs + 32), second);
                second = nextHigh.fma(FloatVector.fromArray(F, x, xs + 48), second);
            }
            even = first.fma(FloatVector.broadcast(F, scales[j]), even);
            odd = second.fma(FloatVector.broadcast(F, scales[j + 1]), odd);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD);
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
