package dev.lorillama.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorillama.runtime.format.TensorData;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Once compiled, the kernels allocate nothing. A vector the JIT cannot keep in registers — in a
 * helper it did not inline, or in a method whose graph grew past the JIT's inlining budget — is
 * boxed on the heap, and that kernel runs several times slower (a Q4_0 loop written out for two
 * blocks at once fell from 15 to 1.6 GB/s that way). Allocation is the visible sign, so: decode
 * (one token, short and long rows — long ones have their own kernels), prefill (several tokens)
 * and row decoding, warmed up until the JIT has compiled them, must allocate 0 bytes.
 */
class KernelAllocationTest {
    private static final long WARM_UP_LIMIT_NANOS = 30_000_000_000L;
    /** Wider than {@link StoredMatrix#LONG_ROW}, a whole number of blocks of every type. */
    private static final int LONG_COLS = StoredMatrix.LONG_ROW + 256;
    /** Tokens of sequences decoding together: two groups of two and one more. */
    private static final int[] DECODING = {4, 0, 3, 1, 2};

    @TempDir
    Path dir;

    /**
     * The kernels run on weights in a mapped file (GGUF, safetensors) and in memory (merged
     * adapters, tests), in one process, so the JIT compiles them for both kinds of segment; with
     * both in the profile a kernel's graph grows, and Q5_1's once passed the JIT's node budget
     * (a force-inlined helper then failed to inline, NodeCountInliningCutoff, and boxed its vector)
     * only when an earlier test had used mapped weights. So both kinds are warmed up together here.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, mode = EnumSource.Mode.EXCLUDE, names = "BOOL")
    void warmKernelsAllocateNothing(DType type) throws IOException {
        int rows = 64, cols = 512, tokens = 40; // a full block of token lanes and a partial one
        WeightMatrix[] weights = {mapped(type, rows, cols, 11), RandomBlocks.matrix(type, rows, cols, 11),
                mapped(type, 4, LONG_COLS, 12), RandomBlocks.matrix(type, 4, LONG_COLS, 12)};
        float[] x = new float[tokens * cols], y = new float[tokens * rows], row = new float[cols];
        float[] longX = new float[DECODING.length * LONG_COLS], longY = new float[DECODING.length * 4];
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long deadline = System.nanoTime() + WARM_UP_LIMIT_NANOS;
        long allocated;
        do {
            for (int i = 0; i < 1_000; i++) runAll(weights, x, tokens, y, row, longX, longY, i);
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100; i++) runAll(weights, x, tokens, y, row, longX, longY, i);
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
        } while (allocated > 0 && System.nanoTime() < deadline);
        assertEquals(0, allocated, type + " kernels still allocate once warm: a vector is boxed somewhere");
    }

    private static void runAll(WeightMatrix[] w, float[] x, int tokens, float[] y, float[] row, float[] longX, float[] longY, int i) {
        for (int k = 0; k < 2; k++) {
            run(w[k], x, tokens, y, row, i);
            w[2 + k].multiplyRows(longX, 0, 1, longY, 0, 4);
            w[2 + k].multiplyDecodeRows(longX, DECODING, DECODING.length, longY, 0, 4);
        }
    }

    private static void run(WeightMatrix w, float[] x, int tokens, float[] y, float[] row, int i) {
        w.multiplyRows(x, 0, 1, y, 0, w.rows());
        w.multiplyRows(x, 0, tokens, y, 0, w.rows());
        w.multiplyDecodeRows(x, DECODING, DECODING.length, y, 0, w.rows());
        w.readRow(i % w.rows(), row, 0);
    }

    /** The blocks {@link RandomBlocks#matrix} makes, in a memory-mapped file. */
    private WeightMatrix mapped(DType type, int rows, int cols, long seed) throws IOException {
        Path file = dir.resolve(type + "-" + rows + "x" + cols + ".bin");
        Files.write(file, RandomBlocks.bytes(type, rows, cols, seed));
        try (FileChannel channel = FileChannel.open(file)) {
            MemorySegment segment = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), Arena.ofAuto());
            return WeightMatrices.of(new TensorData("mapped", type, new long[] {rows, cols}, segment, file));
        }
    }
}
