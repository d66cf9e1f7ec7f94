package dev.lorillama.tests.bench;

import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.MatMul;
import dev.lorillama.runtime.tensor.TensorEncoder;
import dev.lorillama.runtime.tensor.WeightMatrices;
import dev.lorillama.runtime.tensor.WeightMatrix;
import dev.lorillama.runtime.tensor.WorkerPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Each weight kernel streaming a 65536 × 2048 matrix (half of Llama 3.2 1B's LM head: 142 MB in
 * Q8_0, far larger than the 32 MB L3, so the numbers are DRAM numbers) from off-heap memory
 * through the {@link MatMul} driver: decode (1 token) and prefill (32 tokens). The
 * {@code weightGBps} counter is the weight bytes streamed per second, to hold against the
 * machine's memory bandwidth.
 *
 * <p>Run (from the repository root, after {@code ./mvnw -o install -DskipTests}):
 * <pre>
 * ./mvnw -o -q -pl tests dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java --add-modules jdk.incubator.vector -cp tests/target/test-classes:$(cat /tmp/cp.txt) \
 *      org.openjdk.jmh.Main KernelBench -p type=Q8_0,Q4_0 -p threads=2
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Djdk.incubator.vector.warning=false",
        // as chat.jar's launcher runs the kernels (Launcher.KERNEL_COMPILE_FLAGS): row loops compiled
        // on their own, vector helpers always inlined
        "-XX:CompileCommand=quiet",
        "-XX:CompileCommand=dontinline,dev.lorillama.runtime.tensor.*::dotRow",
        "-XX:CompileCommand=dontinline,dev.lorillama.runtime.tensor.*::dotVectors",
        "-XX:CompileCommand=dontinline,dev.lorillama.runtime.tensor.*::decodeRow",
        "-XX:CompileCommand=dontinline,dev.lorillama.runtime.tensor.*::decodeVectors",
        "-XX:CompileCommand=dontinline,dev.lorillama.runtime.tensor.*::dotFourRows",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::bf16",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::biased",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::biasedBits",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::biasedHigh",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::biasedLow",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::broadcastF16",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::crumbs",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::fifthBits",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::floatBits",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::floats",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::halfBits",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::highBits",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::highNibbles",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::iq4LevelBits",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::iq4Levels",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::iq4Table",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::laneIndexes",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::levels",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::lowBits",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::lowNibbles",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::nibbles",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::q",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::quants",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::scaleBytes",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::scaleVector",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::shiftedUp",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::shorts",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::thirdBits",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::values",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::vector",
        "-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::widen"})
public class KernelBench {
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public String type;

    @Param({"1", "2"})
    public int threads;

    @Param({"1", "32"})
    public int tokens;

    private static final int ROWS = 65536, COLS = 2048;

    private Arena arena;
    private WorkerPool pool;
    private MatMul matMul;
    private WeightMatrix matrix;
    private float[] x;
    private float[] y;

    /** Weight bytes streamed, reported per second next to the calls per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Streamed {
        public double weightGBps;
    }

    @Setup(Level.Trial)
    public void setUp() {
        DType dtype = DType.valueOf(type);
        arena = Arena.ofShared();
        MemorySegment data = arena.allocate(dtype.byteSize((long) ROWS * COLS), 64);
        SplittableRandom random = new SplittableRandom(1);
        float[] row = new float[COLS];
        byte[] encoded = new byte[(int) dtype.byteSize(COLS)];
        for (int r = 0; r < ROWS; r++) {
            if (dtype.isBlockQuantized() && dtype.blockElements() == 256) {
                random.nextBytes(encoded); // K-quants: random blocks with small f16 scales
                for (int b = 0; b < encoded.length; b += dtype.blockBytes()) {
                    int scaleAt = dtype == DType.Q6_K ? b + 208 : b;
                    short half = Float.floatToFloat16(0.01f);
                    encoded[scaleAt] = (byte) half;
                    encoded[scaleAt + 1] = (byte) (half >> 8);
                }
            } else {
                for (int c = 0; c < COLS; c++) row[c] = (float) (random.nextDouble() * 2 - 1);
                TensorEncoder.encode(dtype, row, 0, COLS, encoded, 0);
            }
            MemorySegment.copy(MemorySegment.ofArray(encoded), 0, data, (long) r * encoded.length, encoded.length);
        }
        matrix = WeightMatrices.of(new TensorData("bench", dtype, new long[] {ROWS, COLS}, data, Path.of("bench")));
        pool = new WorkerPool(threads);
        matMul = new MatMul(pool);
        x = new float[tokens * COLS];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextDouble();
        y = new float[tokens * ROWS];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float multiply(Streamed streamed) {
        matMul.multiply(matrix, x, tokens, y);
        streamed.weightGBps += matrix.byteSize() / 1e9;
        return y[0];
    }
}
