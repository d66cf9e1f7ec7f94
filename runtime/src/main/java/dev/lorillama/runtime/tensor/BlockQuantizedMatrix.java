package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A matrix stored in ggml blocks: each row is {@code cols / blockElements} blocks of
 * {@code blockBytes}, each block holding its scales and packed integers. Each format writes two
 * row kernels: {@link #dotRow} (decode, one token: dequantize in registers and multiply, so the
 * weights stream from memory once and never land in an array) and {@link #decodeRow} (prefill:
 * rows are decoded once and every token of the block passes them in {@link DecodedRowsKernel}).
 *
 * <p>Why the row loops live in each format and not here once: a loop written here that called a
 * per-format "decode this part" method would be one piece of bytecode with one type profile for
 * all formats. As soon as a model mixes formats (llama.cpp's Q4_0 files keep output.weight in
 * Q6_K; Q4_K_M mixes Q4_K and Q6_K) that call turns megamorphic, the JIT stops inlining it, and
 * the kernel ran 10× slower. A kernel in its own final class always compiles for its format.
 *
 * <p>Helpers that return vectors take only scalars and stay within 35 bytes of bytecode, the
 * size the JIT always inlines (KernelInliningTest checks both). A larger helper is sometimes
 * left as a call, depending on compile order, and a vector that crosses a call is boxed on the
 * heap: the Q6_K kernel then ran 3× slower in one run out of two. A helper taking a vector, once
 * compiled on its own, cannot see the vector's exact class, compiles without intrinsics into a
 * large method, and is then never inlined again. Conversions name their target species
 * ({@code convertShape(op, F, 0)}, {@code reinterpretShape(F, 0)}): the forms that derive it
 * ({@code convert}, {@code reinterpretAsFloats}) were sometimes compiled without intrinsics.
 */
public abstract sealed class BlockQuantizedMatrix extends StoredMatrix
        permits Q8_0Matrix, Q4_0Matrix, Q4_1Matrix, Q5_0Matrix, Q5_1Matrix, Q2KMatrix, Q3KMatrix, Q4KMatrix, Q5KMatrix,
        Q6KMatrix, IQ4_NLMatrix, IQ4_XSMatrix {
    /**
     * Float lanes of the kernels: the preferred width, kept between 8 and 16 lanes so that a part
     * (8 or 16 values) divides every block and one byte per lane still makes a vector shape.
     */
    protected static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() > 16 ? FloatVector.SPECIES_512
            : FloatVector.SPECIES_PREFERRED.length() < 8 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_PREFERRED;
    /** Ints with as many lanes as {@link #F}, for unpacking bit fields before the conversion to float. */
    protected static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Bytes with as many lanes as {@link #F}: one byte per weight widens into one vector. */
    protected static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8));
    /** Shorts with as many lanes as {@link #F}: bf16 activations widen into one vector. */
    protected static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.length() * 16));
    protected static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    protected static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    protected static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    protected static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** IQ4_NL's and IQ4_XS's 16 levels (ggml's kvalues_iq4nl). */
    private static final float[] IQ4_LEVELS = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    /** The same as float bits, padded to two vectors of the widest species, the table {@link #iq4Levels} selects from. */
    private static final int[] IQ4_LEVEL_BITS = new int[32];

    static {
        for (int i = 0; i < IQ4_LEVELS.length; i++) IQ4_LEVEL_BITS[i] = Float.floatToRawIntBits(IQ4_LEVELS[i]);
    }

    /** Blocks in one row. */
    protected final int blocks;
    protected final long rowBytes;

    protected BlockQuantizedMatrix(String name, DType dtype, MemorySegment data, int rows, int cols) {
        super(name, dtype, data, rows, cols);
        this.blocks = cols / dtype.blockElements();
        this.rowBytes = (long) blocks * dtype.blockBytes();
    }

    /** The row starting at byte {@code offset} · {@code x[xo .. xo+cols)}. */
    protected abstract float dotRow(long offset, float[] x, int xo);

    /**
     * Whether rows longer than {@link #LONG_ROW} use {@link #dotRow(long, short[], int)}, with
     * activations rounded to bf16 (half the bytes, so they stay in L1; relative error 2^-9, below
     * that of the 8-bit weights they meet; Q8_0 per thread 21 → 34-37 GB/s): true
     * where the format has a vector kernel for it (Q8_0, Q4_0). The K-quants are bound by their
     * unpacking, not by reloading activations, so they keep float activations.
     */
    protected boolean takesBf16Activations() {
        return false;
    }

    /**
     * The row starting at byte {@code offset} · bf16 activations {@code x[xo .. xo+cols)} (see
     * {@link #LONG_ROW}). This one decodes element by element, the plain reference; formats that
     * take bf16 activations override it with a vector kernel.
     */
    protected float dotRow(long offset, short[] x, int xo) {
        int perBlock = dtype.blockElements();
        float sum = 0;
        for (int b = 0; b < blocks; b++, offset += dtype.blockBytes()) {
            for (int i = 0; i < perBlock; i++) sum += decodeScalar(offset, i) * Float.intBitsToFloat(x[xo++] << 16);
        }
        return sum;
    }

    /** Tokens a group kernel ({@link #multiplyDecodeRows}) takes at once: each weight is decoded once for all of them. */
    protected static final int GROUP = 2;

    /** Per-thread copies of a group's activations rounded to bf16, side by side, {@code cols} apart. */
    private static final ThreadLocal<short[]> GROUP_HALVES = ThreadLocal.withInitial(() -> new short[0]);

    /** The rows {@code x[xa .. xa+cols)} and {@code x[xb .. xb+cols)} rounded to bf16 as {@link #dotRows} rounds one, side by side. */
    protected final short[] groupHalves(float[] x, int xa, int xb) {
        short[] h = GROUP_HALVES.get();
        if (h.length < GROUP * cols) GROUP_HALVES.set(h = new short[GROUP * cols]);
        Bf16Activations.round(x, xa, cols, h, 0);
        Bf16Activations.round(x, xb, cols, h, cols);
        return h;
    }

    @Override
    protected void dotRows(float[] x, int xo, float[] y, int yo, int rowFrom, int rowTo) {
        if (cols > LONG_ROW && takesBf16Activations()) {
            short[] half = Bf16Activations.round(x, xo, cols);
            for (int r = rowFrom; r < rowTo; r++) y[yo + r] = dotRow(r * rowBytes, half, 0);
            return;
        }
        for (int r = rowFrom; r < rowTo; r++) y[yo + r] = dotRow(r * rowBytes, x, xo);
    }

    /** The bf16 activations at {@code x[at ..]} as floats (a bf16 is the top half of a float). */
    protected static FloatVector bf16(short[] x, int at) {
        return shiftedUp(x, at).reinterpretShape(F, 0).reinterpretAsFloats();
    }

    private static IntVector shiftedUp(short[] x, int at) {
        return ((IntVector) ShortVector.fromArray(S, x, at).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16);
    }

    /** Decodes the row starting at byte {@code offset} into {@code dst[at .. at+cols)}. */
    protected abstract void decodeRow(long offset, float[] dst, int at);

    /** Element {@code i} of the block at byte {@code offset}, decoded one by one as the format spec says. */
    protected abstract float decodeScalar(long offset, int i);

    /** {@code L} bytes at {@code at}, zero-extended to ints: bit fields are cut out as ints (x86 has no byte shift). */
    protected final IntVector widen(long at) {
        return (IntVector) ByteVector.fromMemorySegment(B, data, at, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
    }

    /** The low or the high nibbles of the {@code L} bytes at {@code at}. */
    protected final IntVector nibbles(long at, boolean low) {
        return low ? lowNibbles(at) : highNibbles(at);
    }

    /** The low nibbles of the {@code L} bytes at {@code at}. */
    private IntVector lowNibbles(long at) {
        return widen(at).and(0xF);
    }

    /** The high nibbles of the {@code L} bytes at {@code at} (zero-extended, so no mask is needed). */
    private IntVector highNibbles(long at) {
        return widen(at).lanewise(VectorOperators.LSHR, 4);
    }

    /** 0, 1, 2, ... in the lanes: per-lane shift counts (computed, not loaded: one node for the JIT, and the same one everywhere). */
    protected static IntVector laneIndexes() {
        return IntVector.zero(I).addIndex(1);
    }

    /**
     * Bits {@code first .. first+L} of {@code qh} as 16 or 0, one per lane (each lane shifted by its
     * own count): the fifth bits of Q5_0 and Q5_1, whose 32 are packed in one int per block.
     */
    protected static IntVector fifthBits(int qh, int first) {
        return IntVector.broadcast(I, qh >>> first).lanewise(VectorOperators.LSHR, laneIndexes()).and(1).lanewise(VectorOperators.LSHL, 4);
    }

    /** Level {@code q} (0..15) of IQ4_NL and IQ4_XS. */
    protected static float iq4Level(int q) {
        return IQ4_LEVELS[q];
    }

    /**
     * The IQ4 levels that the low or high nibbles of the {@code L} bytes at {@code at} index: a
     * lane-wise table lookup (a permute across two vectors, which covers the 16 levels also when
     * a vector holds only 8 floats), done on the levels' float bits.
     */
    protected final FloatVector iq4Levels(long at, boolean low) {
        return (FloatVector) iq4LevelBits(at, low).reinterpretShape(F, 0);
    }

    private IntVector iq4LevelBits(long at, boolean low) {
        return nibbles(at, low).selectFrom(iq4Table(0), iq4Table(F.length()));
    }

    /** Float bits of the IQ4 levels {@code from ..}: the two vectors {@code selectFrom} takes are {@code iq4Table(0), iq4Table(L)}. */
    protected static IntVector iq4Table(int from) {
        return IntVector.fromArray(I, IQ4_LEVEL_BITS, from);
    }

    /** The f16 at {@code offset} in every lane. */
    protected final FloatVector broadcastF16(long offset) {
        return FloatVector.broadcast(F, f16(offset));
    }

    protected final float f16(long offset) {
        return Float.float16ToFloat(data.get(LE_SHORT, offset));
    }

    protected final int u8(long offset) {
        return data.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    @Override
    public final float get(int row, int col) {
        long offset = row * rowBytes + (long) (col / dtype.blockElements()) * dtype.blockBytes();
        return decodeScalar(offset, col % dtype.blockElements());
    }

    @Override
    public final void readRow(int row, float[] dst, int offset) {
        decodeRow(row * rowBytes, dst, offset);
    }

    @Override
    protected final float rowDot(int row, float[] x, int xo) {
        return dotRow(row * rowBytes, x, xo);
    }
}
