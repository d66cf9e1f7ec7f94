package dev.lorillama.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.format.TensorData;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every weight kernel against the plain reference: a double-precision dot product over the
 * elements decoded one by one with {@code get(row, col)}. Sizes are odd on purpose: rows that
 * are no multiple of the tiling, columns that are no multiple of the vector width (float types),
 * several blocks per row (block types), and 1..9, 17, 33 and 50 tokens so that narrow and wide
 * token blocks and partly filled ones all run.
 */
class WeightMatrixKernelTest {

    /** Columns per type: odd for float types, a few whole blocks for block types. */
    private static int[] colsFor(DType type) {
        return switch (type) {
            case F32, F16, BF16 -> new int[] {1, 7, 67, 100, 131, 1031};
            case Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL -> new int[] {32, 96, 160};
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS -> new int[] {256, 768};
            case BOOL -> throw new IllegalArgumentException("BOOL is a mask type, not a weight type");
        };
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, mode = EnumSource.Mode.EXCLUDE, names = "BOOL")
    void multiplyRowsMatchesScalarReference(DType type) {
        for (int cols : colsFor(type)) {
            int rows = 37;
            WeightMatrix w = RandomBlocks.matrix(type, rows, cols, 31L * cols + type.ordinal());
            double[][] reference = decodeAll(w);
            Random random = new Random(cols);
            for (int tokens : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 33, 50}) {
                float[] x = new float[tokens * cols];
                for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
                // Rows 3..rows-2 and tokens 1..tokens only: the kernel must leave the rest alone.
                int rowFrom = 3, rowTo = rows - 1, tokenFrom = tokens > 1 ? 1 : 0;
                float[] y = new float[tokens * rows];
                w.multiplyRows(x, tokenFrom, tokens, y, rowFrom, rowTo);
                for (int t = 0; t < tokens; t++) {
                    for (int r = 0; r < rows; r++) {
                        boolean inside = t >= tokenFrom && r >= rowFrom && r < rowTo;
                        if (!inside) {
                            assertEquals(0f, y[t * rows + r], type + ": wrote outside its range at t=" + t + " r=" + r);
                            continue;
                        }
                        assertClose(reference[r], x, t * cols, y[t * rows + r], type + " cols=" + cols + " tokens=" + tokens + " t=" + t + " r=" + r);
                    }
                }
            }
        }
    }

    /**
     * Decode of several sequences ({@link WeightMatrix#multiplyDecodeRows}; Q8_0 and Q4_0 have group
     * kernels) against its twin, each token alone through {@link WeightMatrix#multiplyRows}, and
     * against the scalar reference: 1..9 tokens (whole groups of four and leftovers) picked out of
     * order from twelve rows, short rows and rows past {@code LONG_ROW} (bf16 activations; the
     * inputs are bf16 values, so the reference sees what the kernel sees), an odd block count.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, mode = EnumSource.Mode.EXCLUDE, names = "BOOL")
    void decodeRowsOfSeveralSequencesGetWhatEachGetsAlone(DType type) {
        int[] widths = colsFor(type);
        int longRow = StoredMatrix.LONG_ROW + 4 * type.blockElements() + (type.blockElements() == 32 ? 32 : 0);
        for (int cols : new int[] {widths[widths.length - 1], longRow}) {
            int rows = 37, all = 12;
            WeightMatrix w = RandomBlocks.matrix(type, rows, cols, 5L * cols + type.ordinal());
            double[][] reference = decodeAll(w);
            Random random = new Random(cols);
            float[] x = new float[all * cols];
            for (int i = 0; i < x.length; i++) x[i] = Float.intBitsToFloat(Float.floatToRawIntBits((float) random.nextGaussian()) & 0xFFFF0000);
            int[] order = {7, 2, 11, 0, 5, 9, 3, 10, 1};
            for (int count = 1; count <= order.length; count++) {
                float[] together = new float[all * rows], alone = new float[all * rows];
                w.multiplyDecodeRows(x, order, count, together, 3, rows - 1);
                for (int i = 0; i < count; i++) w.multiplyRows(x, order[i], order[i] + 1, alone, 3, rows - 1);
                for (int t = 0; t < all; t++) {
                    for (int r = 0; r < rows; r++) {
                        int at = t * rows + r;
                        String where = type + " cols=" + cols + " count=" + count + " t=" + t + " r=" + r;
                        if (alone[at] == 0) {
                            assertEquals(0f, together[at], where + ": wrote outside its tokens and rows");
                            continue;
                        }
                        // Alone and together run the same operations; only code compiled apart from its twin (C2
                        // against C1 or the interpreter) may sum a vector's lanes in another order: rounding, 1e-7 of Σ|w·x|.
                        double magnitude = 0;
                        for (int c = 0; c < cols; c++) magnitude += Math.abs(reference[r][c] * x[t * cols + c]);
                        assertEquals(alone[at], together[at], 1e-7 * magnitude, where + ": against the token alone");
                        assertClose(reference[r], x, t * cols, together[at], where);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, mode = EnumSource.Mode.EXCLUDE, names = "BOOL")
    void threadedMatMulMatchesScalarReference(DType type) {
        int cols = colsFor(type)[colsFor(type).length - 1];
        int rows = 301;
        WeightMatrix w = RandomBlocks.matrix(type, rows, cols, 7);
        double[][] reference = decodeAll(w);
        Random random = new Random(3);
        try (WorkerPool pool = new WorkerPool(2)) {
            for (int tokens : new int[] {1, 5, 40, 77}) {
                float[] x = new float[tokens * cols];
                for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
                float[] y = new float[tokens * rows];
                new MatMul(pool).multiply(w, x, tokens, y);
                for (int t = 0; t < tokens; t++) {
                    for (int r = 0; r < rows; r++) assertClose(reference[r], x, t * cols, y[t * rows + r], type + " t=" + t + " r=" + r);
                }
            }
        }
    }

    /**
     * The backward pass's {@code dx = Wᵀ·dy} (threaded, every format) against its scalar twin:
     * a double-precision sum over the elements decoded one by one. Row counts leave partial tiles
     * and partial blocks of decoded rows; widths leave columns past the last whole vector.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, mode = EnumSource.Mode.EXCLUDE, names = "BOOL")
    void transposedProductMatchesScalarTwin(DType type) {
        int[] widths = colsFor(type);
        for (int cols : new int[] {widths[0], widths[widths.length - 1]}) {
            for (int rows : new int[] {5, 67}) {
                WeightMatrix w = RandomBlocks.matrix(type, rows, cols, 13L * cols + rows);
                double[][] reference = decodeAll(w);
                Random random = new Random(rows);
                try (WorkerPool pool = new WorkerPool(2)) {
                    MatMul matMul = new MatMul(pool);
                    for (int tokens : new int[] {1, 3, 17}) {
                        float[] dy = new float[tokens * rows];
                        for (int i = 0; i < dy.length; i++) dy[i] = (float) random.nextGaussian();
                        float[] dx = new float[tokens * cols];
                        java.util.Arrays.fill(dx, Float.NaN); // overwritten, not added to
                        matMul.multiplyTransposed(w, dy, tokens, dx);
                        for (int t = 0; t < tokens; t++) {
                            for (int c = 0; c < cols; c++) {
                                double sum = 0, magnitude = 0;
                                for (int r = 0; r < rows; r++) {
                                    sum += reference[r][c] * dy[t * rows + r];
                                    magnitude += Math.abs(reference[r][c] * dy[t * rows + r]);
                                }
                                assertEquals(sum, dx[t * cols + c], 1e-5 * magnitude + 1e-30,
                                        type + " " + rows + "x" + cols + " tokens=" + tokens + " t=" + t + " c=" + c);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The element decoder (the kernels' scalar twin) against ggml's dequantization as
     * tools/reference/ggml_quants.py writes it from the block definitions, on random blocks whose
     * scale fields take their extreme values (quant-blocks/, made by make_quant_fixtures.py):
     * equal to the bit, as both compute in float in ggml's order. Row decoding (vector code) may
     * fuse a multiply-add, so it gets a rounding tolerance relative to the block's largest value.
     * And every kernel runs on these blocks against the scalar reference.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, mode = EnumSource.Mode.EXCLUDE, names = {"F32", "F16", "BF16", "BOOL"})
    void decodersMatchGgmlOnBlocksWithExtremeScales(DType type) throws IOException {
        byte[] bytes = resource(type + ".bin");
        ByteBuffer floats = ByteBuffer.wrap(resource(type + ".f32")).order(ByteOrder.LITTLE_ENDIAN);
        int rows = 4, cols = 1024;
        assertEquals(type.byteSize((long) rows * cols), bytes.length, type + ".bin");
        MemorySegment segment = Arena.ofAuto().allocate(bytes.length, 64).copyFrom(MemorySegment.ofArray(bytes));
        WeightMatrix w = WeightMatrices.of(new TensorData("blocks", type, new long[] {rows, cols}, segment, Path.of(type + ".bin")));
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            w.readRow(r, row, 0);
            for (int c = 0; c < cols; c++) {
                float expected = floats.getFloat(4 * (r * cols + c));
                assertEquals(expected, w.get(r, c), type + " element " + r + "," + c);
                int blockStart = c - c % type.blockElements();
                float largest = 0;
                for (int k = blockStart; k < blockStart + type.blockElements(); k++) largest = Math.max(largest, Math.abs(floats.getFloat(4 * (r * cols + k))));
                assertEquals(expected, row[c], 1e-6f * largest, type + " readRow " + r + "," + c);
            }
        }
        double[][] reference = decodeAll(w);
        Random random = new Random(8);
        for (int tokens : new int[] {1, 9, 40}) {
            float[] x = new float[tokens * cols], y = new float[tokens * rows];
            for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
            w.multiplyRows(x, 0, tokens, y, 0, rows);
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) assertClose(reference[r], x, t * cols, y[t * rows + r], type + " tokens=" + tokens + " t=" + t + " r=" + r);
            }
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = WeightMatrixKernelTest.class.getResourceAsStream("/quant-blocks/" + name)) {
            assertNotNull(in, "missing test resource quant-blocks/" + name + " (tools/reference/make_quant_fixtures.py)");
            return in.readAllBytes();
        }
    }

    /**
     * Rows longer than {@link StoredMatrix#LONG_ROW}: Q8_0 and Q4_0 decode them with the
     * activations rounded to bf16, so the reference rounds them too (independently: to 8
     * significant bits, ties to even) and the tolerance stays as tight as for short rows.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0"})
    void longRowsMatchReferenceWithBf16Activations(DType type) {
        for (int cols : new int[] {StoredMatrix.LONG_ROW + 32, StoredMatrix.LONG_ROW + 64}) {
            int rows = 5;
            WeightMatrix w = RandomBlocks.matrix(type, rows, cols, 5L * cols);
            double[][] reference = decodeAll(w);
            Random random = new Random(cols);
            float[] x = new float[cols], rounded = new float[cols];
            for (int i = 0; i < cols; i++) {
                x[i] = (float) random.nextGaussian();
                rounded[i] = roundToBf16(x[i]);
            }
            float[] y = new float[rows];
            w.multiplyRows(x, 0, 1, y, 0, rows);
            for (int r = 0; r < rows; r++) assertClose(reference[r], rounded, 0, y[r], type + " cols=" + cols + " r=" + r);
        }
    }

    /**
     * Rows longer than {@link StoredMatrix#LONG_ROW} in the float formats: four rows at a time
     * with exact activations. Row counts and ranges leave 1-3 rows over, and the widths leave
     * columns past the last whole vector.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void longFloatRowsMatchReference(DType type) {
        for (int cols : new int[] {StoredMatrix.LONG_ROW + 1, StoredMatrix.LONG_ROW + 16, StoredMatrix.LONG_ROW + 67}) {
            int rows = 14;
            WeightMatrix w = RandomBlocks.matrix(type, rows, cols, 3L * cols);
            double[][] reference = decodeAll(w);
            Random random = new Random(cols);
            float[] x = new float[cols];
            for (int i = 0; i < cols; i++) x[i] = (float) random.nextGaussian();
            for (int[] range : new int[][] {{0, rows}, {1, 12}, {2, 5}, {3, 4}}) {
                float[] y = new float[rows];
                w.multiplyRows(x, 0, 1, y, range[0], range[1]);
                for (int r = 0; r < rows; r++) {
                    if (r < range[0] || r >= range[1]) {
                        assertEquals(0f, y[r], type + ": wrote outside rows " + range[0] + ".." + range[1] + " at r=" + r);
                    } else {
                        assertClose(reference[r], x, 0, y[r], type + " cols=" + cols + " rows " + range[0] + ".." + range[1] + " r=" + r);
                    }
                }
            }
        }
    }

    /**
     * The bf16-activation row kernel called directly: Q8_0's vector kernel and the element-wise
     * default the other block formats inherit. (Q4_0's kernel expects activations prepared by its
     * dotRows, high halves divided by 16; the long-row test above covers it through that.)
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, mode = EnumSource.Mode.EXCLUDE, names = {"F32", "F16", "BF16", "BOOL", "Q4_0"})
    void bf16ActivationRowKernelMatchesReference(DType type) {
        int rows = 3, cols = 2 * 256 + 256;
        BlockQuantizedMatrix w = (BlockQuantizedMatrix) RandomBlocks.matrix(type, rows, cols, 17);
        double[][] reference = decodeAll(w);
        Random random = new Random(5);
        short[] half = new short[cols];
        float[] rounded = new float[cols];
        for (int i = 0; i < cols; i++) {
            half[i] = Bf16Activations.round((float) random.nextGaussian());
            rounded[i] = Float.intBitsToFloat(half[i] << 16);
        }
        for (int r = 0; r < rows; r++) {
            assertClose(reference[r], rounded, 0, w.dotRow(type.byteSize((long) r * cols), half, 0), type + " r=" + r);
        }
    }

    /** The vector loop that rounds a row of activations gives the scalar rounding's bits, NaNs and a ragged tail included. */
    @org.junit.jupiter.api.Test
    void bf16RowRoundingMatchesTheScalarOne() {
        Random random = new Random(11);
        float[] special = {Float.NaN, Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0xFFC12345), Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, -0f, 0f, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1f + 0x1p-8f, 1f + 0x1p-7f + 0x1p-8f};
        for (int n : new int[] {1, 15, 16, 17, 100, 8195}) {
            float[] x = new float[n + 3];
            for (int i = 0; i < x.length; i++) x[i] = i % 7 == 0 ? special[(i / 7) % special.length] : Float.intBitsToFloat(random.nextInt());
            short[] row = new short[n + 5];
            Bf16Activations.round(x, 3, n, row, 5);
            for (int i = 0; i < n; i++) assertEquals(Bf16Activations.round(x[3 + i]), row[5 + i], "n=" + n + " i=" + i + " bits " + Integer.toHexString(Float.floatToRawIntBits(x[3 + i])));
        }
    }

    @org.junit.jupiter.api.Test
    void bf16RoundingIsToNearestEven() {
        Random random = new Random(9);
        for (int i = 0; i < 100_000; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(f) || Float.isInfinite(f) || Math.abs(f) >= 0x1.fep127f) continue;
            float actual = Float.intBitsToFloat(Bf16Activations.round(f) << 16);
            assertEquals(roundToBf16(f), actual, "bf16 of " + f);
        }
        assertTrue(Float.isNaN(Float.intBitsToFloat(Bf16Activations.round(Float.NaN) << 16)));
        assertEquals(Float.POSITIVE_INFINITY, Float.intBitsToFloat(Bf16Activations.round(Float.POSITIVE_INFINITY) << 16));
        assertEquals(1f + 0x1p-7f, Float.intBitsToFloat(Bf16Activations.round(1f + 0x1p-7f + 0x1p-9f) << 16));
        assertEquals(1f, Float.intBitsToFloat(Bf16Activations.round(1f + 0x1p-8f) << 16), "a tie goes to the even neighbour");
    }

    /** {@code f} to 8 significant bits, ties to even, by arithmetic (subnormals keep bf16's absolute step). */
    private static float roundToBf16(float f) {
        if (f == 0) return f;
        int exponent = Math.max(Math.getExponent(f), Float.MIN_EXPONENT);
        return (float) Math.scalb(Math.rint(Math.scalb((double) f, 7 - exponent)), exponent - 7);
    }

    private static double[][] decodeAll(WeightMatrix w) {
        double[][] values = new double[w.rows()][w.cols()];
        for (int r = 0; r < w.rows(); r++) for (int c = 0; c < w.cols(); c++) values[r][c] = w.get(r, c);
        return values;
    }

    /** Float accumulation order differs from the reference: allow rounding relative to Σ|w·x|. */
    private static void assertClose(double[] row, float[] x, int xo, float actual, String where) {
        double dot = 0, magnitude = 0;
        for (int c = 0; c < row.length; c++) {
            dot += row[c] * x[xo + c];
            magnitude += Math.abs(row[c] * x[xo + c]);
        }
        double tolerance = 1e-5 * magnitude + 1e-6;
        assertTrue(Math.abs(dot - actual) <= tolerance, where + ": expected " + dot + " got " + actual + " (tolerance " + tolerance + ")");
    }
}
