package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q2_K: super-blocks of 256 values = 16 bytes of sub-block scales (low nibble: scale, high
 * nibble: min, one byte per 16 values), 64 bytes of 2-bit quants, f16 d, f16 dmin. Each half of
 * 128 values uses 32 bytes of quants: value 32·j + l of the half (j < 4, l < 32) is bits 2j, 2j+1
 * of byte l, in sub-block 8·half + 2·j + l/16; value = d·scale·q − dmin·min.
 */
public final class Q2KMatrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 256;
    private static final int BYTES = 84;
    private static final int QUANTS = 16;
    private static final int D = 80;

    public Q2KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q2_K, data, rows, cols);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int half = i / 128, j = i % 128 / 32, l = i % 32;
        int scaleMin = u8(offset + 8 * half + 2 * j + l / 16);
        int q = (u8(offset + QUANTS + 32 * half + l) >>> (2 * j)) & 3;
        return f16(offset + D) * (scaleMin & 0xF) * q - f16(offset + D + 2) * (scaleMin >>> 4);
    }

    /** The scale/min bytes of sub-blocks 8·which .. 8·which+7, read as one long once per super-block. */
    private long scaleMins(long offset, int which) {
        return data.get(LE_LONG, offset + 8L * which);
    }

    /** Values {@code l .. l+L} of quarter {@code j} of a half whose quants start at {@code at}: q as floats. */
    private FloatVector values(long at, int j, int l) {
        return (FloatVector) crumbs(at + l, j).convertShape(VectorOperators.I2F, F, 0);
    }

    /** Bits 2j, 2j+1 of the {@code L} bytes at {@code at}. */
    private IntVector crumbs(long at, int j) {
        return widen(at).lanewise(VectorOperators.LSHR, 2 * j).and(3);
    }

    /** Per sub-block of 16: weights d·scale·q − dmin·min in registers, multiplied with the activations; two accumulators take turns. */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector recent = FloatVector.zero(F), older = recent;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            float d = f16(offset + D), dmin = f16(offset + D + 2);
            for (int half = 0; half < 2; half++) {
                long scaleMins = scaleMins(offset, half), quants = offset + QUANTS + 32L * half;
                for (int s = 0; s < 8; s++) {
                    int packed = (int) (scaleMins >>> (8 * s)) & 0xFF;
                    float scale = d * (packed & 0xF), min = dmin * (packed >>> 4);
                    for (int l = 16 * (s % 2); l < 16 * (s % 2) + 16; l += F.length()) {
                        FloatVector w = values(quants, s / 2, l).fma(scale, -min);
                        FloatVector next = w.fma(FloatVector.fromArray(F, x, xo + 128 * half + 16 * s + l % 16), older);
                        older = recent;
                        recent = next;
                    }
                }
            }
        }
        return recent.add(older).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset + D), dmin = f16(offset + D + 2);
            for (int half = 0; half < 2; half++) {
                long scaleMins = scaleMins(offset, half), quants = offset + QUANTS + 32L * half;
                for (int s = 0; s < 8; s++) {
                    int packed = (int) (scaleMins >>> (8 * s)) & 0xFF;
                    float scale = d * (packed & 0xF), min = dmin * (packed >>> 4);
                    for (int l = 16 * (s % 2); l < 16 * (s % 2) + 16; l += F.length()) {
                        values(quants, s / 2, l).fma(scale, -min).intoArray(dst, at + 128 * half + 16 * s + l % 16);
                    }
                }
            }
        }
    }
}
