package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml IQ4_NL: blocks of 32 values = f16 scale d, 16 bytes of nibbles (byte j: value j in the
 * low nibble, j+16 in the high) that index 16 non-linear levels; value = d·level[q]
 * ({@link #iq4Level}).
 */
public final class IQ4_NLMatrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 32;
    private static final int BYTES = 18;
    private static final int QUANTS = 2;
    private static final int HALF = 16;

    public IQ4_NLMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.IQ4_NL, data, rows, cols);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int packed = u8(offset + QUANTS + i % HALF);
        return f16(offset) * iq4Level(i < HALF ? packed & 0xF : packed >>> 4);
    }

    /**
     * Levels summed per block with the activations and scaled once by d; two accumulators take
     * turns. Each L bytes of nibbles are loaded and widened once (see {@link Q5_0Matrix#dotRow}).
     */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector recent = FloatVector.zero(F), older = recent;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            FloatVector sum = FloatVector.zero(F);
            for (int g = 0; g < HALF; g += F.length()) {
                IntVector bytes = widen(offset + QUANTS + g);
                IntVector low = bytes.and(0xF).selectFrom(iq4Table(0), iq4Table(F.length()));
                IntVector high = bytes.lanewise(VectorOperators.LSHR, 4).selectFrom(iq4Table(0), iq4Table(F.length()));
                sum = ((FloatVector) low.reinterpretShape(F, 0)).fma(FloatVector.fromArray(F, x, xo + g), sum);
                sum = ((FloatVector) high.reinterpretShape(F, 0)).fma(FloatVector.fromArray(F, x, xo + HALF + g), sum);
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
            for (int g = 0; g < HALF; g += F.length()) {
                IntVector bytes = widen(offset + QUANTS + g);
                IntVector low = bytes.and(0xF).selectFrom(iq4Table(0), iq4Table(F.length()));
                IntVector high = bytes.lanewise(VectorOperators.LSHR, 4).selectFrom(iq4Table(0), iq4Table(F.length()));
                ((FloatVector) low.reinterpretShape(F, 0)).mul(d).intoArray(dst, at + g);
                ((FloatVector) high.reinterpretShape(F, 0)).mul(d).intoArray(dst, at + HALF + g);
            }
        }
    }
}
