package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q4_K: super-blocks of 256 values = f16 d, f16 dmin, 12 bytes packing a 6-bit scale and a
 * 6-bit min for each of 8 sub-blocks of 32, then 128 bytes of nibbles. Values 64j..64j+31 are the
 * low nibbles of bytes 32j..32j+31 (sub-block 2j), values 64j+32.. their high nibbles (2j+1);
 * value = d·scale·q − dmin·min.
 */
public final class Q4KMatrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 256;
    private static final int BYTES = 144;
    private static final int SCALES = 4;
    private static final int QUANTS = 16;

    public Q4KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q4_K, data, rows, cols);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int sub = i / 32;
        int packed = u8(offset + QUANTS + (i / 64) * 32 + i % 32);
        int q = sub % 2 == 0 ? packed & 0xF : packed >>> 4;
        float scale = f16(offset) * KScaleMins.entry(KScaleMins.scales(data, offset + SCALES), sub);
        return scale * q - f16(offset + 2) * KScaleMins.entry(KScaleMins.mins(data, offset + SCALES), sub);
    }

    /** Byte offset of the 32 bytes of nibbles that sub-block j shares with its neighbour (low nibbles: even j, high: odd j). */
    private static long quants(long offset, int j) {
        return offset + QUANTS + 32L * (j / 2);
    }

    /**
     * Scales and mins are decoded once per sub-block of 32, not per vector. Each sub-block's
     * products go to one of two accumulators that take turns, so consecutive sub-blocks do not
     * wait on one chain of adds.
     */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector recent = FloatVector.zero(F), older = recent;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            float d = f16(offset), dmin = f16(offset + 2);
            long scales = KScaleMins.scales(data, offset + SCALES), mins = KScaleMins.mins(data, offset + SCALES);
            for (int j = 0; j < 8; j++) {
                float scale = d * KScaleMins.entry(scales, j), min = dmin * KScaleMins.entry(mins, j);
                FloatVector sum = older;
                for (int lane = 0; lane < 32; lane += F.length()) {
                    FloatVector q = (FloatVector) nibbles(quants(offset, j) + lane, j % 2 == 0).convertShape(VectorOperators.I2F, F, 0);
                    FloatVector w = q.fma(scale, -min);
                    sum = w.fma(FloatVector.fromArray(F, x, xo + 32 * j + lane), sum);
                }
                older = recent;
                recent = sum;
            }
        }
        return recent.add(older).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset), dmin = f16(offset + 2);
            long scales = KScaleMins.scales(data, offset + SCALES), mins = KScaleMins.mins(data, offset + SCALES);
            for (int j = 0; j < 8; j++) {
                float scale = d * KScaleMins.entry(scales, j), min = dmin * KScaleMins.entry(mins, j);
                for (int lane = 0; lane < 32; lane += F.length()) {
                    FloatVector q = (FloatVector) nibbles(quants(offset, j) + lane, j % 2 == 0).convertShape(VectorOperators.I2F, F, 0);
                    q.fma(scale, -min).intoArray(dst, at + 32 * j + lane);
                }
            }
        }
    }
}
