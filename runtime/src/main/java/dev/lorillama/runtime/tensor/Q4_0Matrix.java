package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q4_0: blocks of 32 values = f16 scale d (2 bytes) + 16 bytes of nibbles. Byte j holds
 * value j in its low nibble and value j+16 in its high nibble; value = d·(q − 8).
 */
public final class Q4_0Matrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 32;
    private static final int BYTES = 18;
    private static final int HALF = 16;
    /** The bits of 2^23 as a float: or-ed onto an integer below 2^23, they make the float 2^23 + n. */
    private static final int MAGIC = 0x4B000000;
    private static final float LOW_BIAS = 0x1p23f + 8;
    private static final float HIGH_BIAS = 0x1p23f + 8 * 16;
    /** Per-thread copy of the activations with the second half of every block divided by 16. */
    private static final ThreadLocal<float[]> SCALED = ThreadLocal.withInitial(() -> new float[0]);

    public Q4_0Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q4_0, data, rows, cols);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int packed = u8(offset + 2 + i % HALF);
        int q = i < HALF ? packed & 0xF : packed >>> 4;
        return f16(offset) * (q - 8);
    }

    /**
     * Values {@code first .. first+L} of the block at {@code offset}: low nibbles for the first
     * half, high for the second, q − 8 as floats.
     */
    private FloatVector q(long offset, int first) {
        return values(offset + 2 + first % HALF, first < HALF);
    }

    private FloatVector values(long at, boolean low) {
        return (FloatVector) nibbles(at, low).sub(8).convertShape(VectorOperators.I2F, F, 0);
    }

    /**
     * The decode kernels convert nibbles to floats without a conversion instruction: or-ed with
     * the bits of 2^23, a nibble q reads as the float 2^23 + q, and subtracting 2^23 + 8 leaves
     * q − 8 exactly (one logic op, which also does the masking, and one subtraction, instead of
     * a mask, a subtraction and a conversion). The high nibble is masked in place (16q), so the
     * activations it meets are divided by 16 beforehand — exact, as is every product. Decode of
     * the ~1B shape's matrices from memory, 2 threads: 25.7 → 27.4 GB/s.
     */
    @Override
    protected void dotRows(float[] x, int xo, float[] y, int yo, int rowFrom, int rowTo) {
        float[] scaled = SCALED.get();
        if (scaled.length < cols) SCALED.set(scaled = new float[cols]);
        for (int c = 0; c < cols; c += F.length()) { // L ≤ 16 lanes: each vector lies in one half of a block
            FloatVector v = FloatVector.fromArray(F, x, xo + c);
            (c % BLOCK < HALF ? v : v.mul(0x1p-4f)).intoArray(scaled, c);
        }
        super.dotRows(scaled, 0, y, yo, rowFrom, rowTo);
    }

    /** Values {@code first .. first+L} of the block at {@code offset} as 2^23 + q (low nibbles) or 2^23 + 16q (high). */
    private IntVector biasedBits(long offset, int first) {
        return biased(offset + 2 + first % HALF, first < HALF);
    }

    private IntVector biased(long at, boolean low) {
        return low ? biasedLow(at) : biasedHigh(at);
    }

    private IntVector biasedLow(long at) {
        return widen(at).and(0xF).or(MAGIC);
    }

    private IntVector biasedHigh(long at) {
        return widen(at).and(0xF0).or(MAGIC);
    }

    /** What to subtract from {@link #biasedBits} read as floats: leaves q − 8, or 16(q − 8). */
    private static float bias(int first) {
        return first < HALF ? LOW_BIAS : HIGH_BIAS;
    }

    /** Products summed per block and scaled once (see {@link Q8_0Matrix#dotRow}); two accumulators take turns, one block at a time. */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector recent = FloatVector.zero(F), older = recent;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            FloatVector sum = ((FloatVector) biasedBits(offset, 0).reinterpretShape(F, 0)).sub(LOW_BIAS).mul(FloatVector.fromArray(F, x, xo));
            for (int p = F.length(); p < BLOCK; p += F.length()) {
                FloatVector w = ((FloatVector) biasedBits(offset, p).reinterpretShape(F, 0)).sub(bias(p));
                sum = w.fma(FloatVector.fromArray(F, x, xo + p), sum);
            }
            FloatVector next = sum.fma(broadcastF16(offset), older);
            older = recent;
            recent = next;
        }
        return recent.add(older).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected boolean takesBf16Activations() {
        return true;
    }

    /** {@link #dotRow(long, float[], int)} with bf16 activations (also pre-divided), for long rows ({@link #LONG_ROW}). */
    @Override
    protected float dotRow(long offset, short[] x, int xo) {
        FloatVector recent = FloatVector.zero(F), older = recent;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            FloatVector sum = ((FloatVector) biasedBits(offset, 0).reinterpretShape(F, 0)).sub(LOW_BIAS).mul(bf16(x, xo));
            for (int p = F.length(); p < BLOCK; p += F.length()) {
                FloatVector w = ((FloatVector) biasedBits(offset, p).reinterpretShape(F, 0)).sub(bias(p));
                sum = w.fma(bf16(x, xo + p), sum);
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
            for (int p = 0; p < BLOCK; p += F.length()) q(offset, p).mul(d).intoArray(dst, at + p);
        }
    }
}
