package dev.lorillama.tests.bench;

import dev.lorillama.chat.Launcher;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.MatMul;
import dev.lorillama.runtime.tensor.RowRuns;
import dev.lorillama.runtime.tensor.TensorEncoder;
import dev.lorillama.runtime.tensor.WeightMatrices;
import dev.lorillama.runtime.tensor.WeightMatrix;
import dev.lorillama.runtime.tensor.WorkerPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Decode on one thread: a 2048 × 8192 matrix (the ~1B shape's ffn_down; 17.8 MB in Q8_0, larger
 * than L2) times the activations of 1, 2, 4 or 8 sequences, each its own one-token run, through
 * {@link MatMul} as a batched decode step calls it (one token: the single-token kernel; several:
 * {@link WeightMatrix#multiplyDecodeRows}). BF16 runs in the same JVM set-up as the anchor:
 * {@link #main} prints each format's weight GB/s (one token), its ratio to BF16's, and for
 * several tokens the cost per token against one token alone (1.0 = no gain from batching,
 * 1/N = the step costs what one token does).
 *
 * <p>Run from the repository root, after {@code ./mvnw -o install -DskipTests}:
 * <pre>
 * ./mvnw -o -q -pl tests dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java --add-modules jdk.incubator.vector -cp tests/target/test-classes:$(cat /tmp/cp.txt) \
 *      dev.lorillama.tests.bench.DecodeKernelBench [type,type,...] [tokens,tokens,...]
 * </pre>
 * The forks get the launcher's kernel compile flags ({@link Launcher#KERNEL_COMPILE_FLAGS}), as
 * chat.jar's JVM does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Djdk.incubator.vector.warning=false",
        "--enable-native-access=ALL-UNNAMED"})
public class DecodeKernelBench {
    static final List<String> TYPES = List.of("BF16", "F16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS");

    @Param({"BF16", "F16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS"})
    public String type;

    @Param({"1", "2", "4", "8"})
    public int tokens;

    private static final int ROWS = 2048, COLS = 8192;

    private Arena arena;
    private WorkerPool pool;
    private MatMul matMul;
    private WeightMatrix matrix;
    private final RowRuns runs = new RowRuns();
    private float[] x;
    private float[] y;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        SplittableRandom random = new SplittableRandom(1);
        matrix = randomMatrix(DType.valueOf(type), ROWS, COLS, arena, random);
        pool = new WorkerPool(1);
        matMul = new MatMul(pool);
        for (int t = 0; t < tokens; t++) runs.add(1);
        x = new float[tokens * COLS];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
        y = new float[tokens * ROWS];
    }

    /**
     * A rows × cols matrix of {@code dtype} in {@code arena}: random quants and sub-block scales
     * with small f16 super-block scales (and mins) for the block formats, values in [-1, 1) for the
     * float formats.
     */
    static WeightMatrix randomMatrix(DType dtype, int rows, int cols, Arena arena, SplittableRandom random) {
        MemorySegment data = arena.allocate(dtype.byteSize((long) rows * cols), 64);
        byte[] encoded = new byte[(int) dtype.byteSize(cols)];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            if (dtype.isBlockQuantized()) {
                random.nextBytes(encoded);
                short small = Float.floatToFloat16(0.01f);
                for (int b = 0; b < encoded.length; b += dtype.blockBytes()) {
                    for (int at : f16Fields(dtype)) {
                        encoded[b + at] = (byte) small;
                        encoded[b + at + 1] = (byte) (small >> 8);
                    }
                }
            } else {
                for (int c = 0; c < cols; c++) row[c] = (float) (random.nextDouble() * 2 - 1);
                TensorEncoder.encode(dtype, row, 0, cols, encoded, 0);
            }
            MemorySegment.copy(MemorySegment.ofArray(encoded), 0, data, (long) r * encoded.length, encoded.length);
        }
        return WeightMatrices.of(new TensorData("bench", dtype, new long[] {rows, cols}, data, Path.of("bench")));
    }

    /** Byte offsets of a block's f16 scale fields (ggml's block structs), which random bytes could make huge or NaN. */
    private static int[] f16Fields(DType dtype) {
        return switch (dtype) {
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> new int[] {0};
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** One decode step of {@code tokens} sequences over the whole matrix. */
    @Benchmark
    public float step() {
        matMul.multiply(matrix, x, runs, 0, tokens, y);
        return y[0];
    }

    public static void main(String[] args) throws Exception {
        List<String> types = args.length > 0 ? List.of(args[0].split(",")) : TYPES;
        String[] tokens = args.length > 1 ? args[1].split(",") : new String[] {"1", "2", "4", "8"};
        List<String> jvmArgs = new ArrayList<>(List.of("--add-modules", "jdk.incubator.vector", "-Djdk.incubator.vector.warning=false",
                "--enable-native-access=ALL-UNNAMED"));
        jvmArgs.addAll(Launcher.KERNEL_COMPILE_FLAGS);
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(DecodeKernelBench.class.getName() + "\\.")
                .param("type", types.toArray(String[]::new))
                .param("tokens", tokens)
                .jvmArgs(jvmArgs.toArray(String[]::new));
        Collection<RunResult> results = new Runner(options.build()).run();
        Map<String, Map<Integer, Double>> micros = new TreeMap<>();
        for (RunResult r : results) {
            micros.computeIfAbsent(r.getParams().getParam("type"), k -> new TreeMap<>())
                    .put(Integer.parseInt(r.getParams().getParam("tokens")), r.getPrimaryResult().getScore());
        }
        Double anchor = micros.containsKey("BF16") ? micros.get("BF16").get(1) : null;
        for (String type : types) {
            Map<Integer, Double> m = micros.get(type);
            if (m == null) continue;
            long bytes = DType.valueOf(type).byteSize((long) ROWS * COLS);
            StringBuilder line = new StringBuilder(String.format("%-7s", type));
            Double one = m.get(1);
            if (one != null) {
                line.append(String.format(" 1 token %7.0f µs %6.1f GB/s", one, bytes / one / 1e3));
                if (anchor != null) line.append(String.format(" (%.2f× BF16's time)", one / anchor));
            }
            for (Map.Entry<Integer, Double> e : m.entrySet()) {
                if (e.getKey() == 1 || one == null) continue;
                line.append(String.format(" | %d tokens %7.0f µs, per token %.2f× one", e.getKey(), e.getValue(), e.getValue() / e.getKey() / one));
            }
            System.out.println(line);
        }
    }
}
