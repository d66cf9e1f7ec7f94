package dev.lorillama.tests.bench;

import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.MatMul;
import dev.lorillama.runtime.tensor.RowRuns;
import dev.lorillama.runtime.tensor.WeightMatrix;
import dev.lorillama.runtime.tensor.WorkerPool;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What a decoding sequence added to a batch costs: a 2048 × COLS matrix (8192: the ~1B shape's
 * ffn_down) times the activations of 1 and of N sequences, each its own one-token run through
 * {@link MatMul} as a batched decode step calls it, the counts taking turns within one JVM, round
 * after round. Per round, the time per token of N sequences is divided by that round's time of one
 * token; the median and quartiles of that ratio are printed (1.0: batching gains nothing; 1/N: the
 * step costs what one token does).
 *
 * <p>Why not JMH ({@link DecodeKernelBench}): on a shared machine whose speed drifts by up to 2×
 * within minutes, one fork per parameter measures 1 and N tokens minutes apart, and their ratio
 * moved from 0.6 to 2.3 between runs; taking turns every few milliseconds gives quartiles within a
 * few percent.
 *
 * <p>Run from the repository root, after {@code ./mvnw -o install -DskipTests} and
 * {@code ./mvnw -o -q -pl tests dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt}:
 * <pre>
 * FLAGS=$(grep -o '&lt;vector.jvm.args&gt;.*&lt;/vector.jvm.args&gt;' pom.xml | sed 's/&lt;[^&gt;]*&gt;//g')
 * java $FLAGS -cp tests/target/test-classes:$(cat /tmp/cp.txt) dev.lorillama.tests.bench.BatchedDecodeRatio \
 *      Q8_0,Q4_0 [--tokens 2,4,8] [--threads 2] [--rounds 20] [--cols 8192]
 * </pre>
 */
public final class BatchedDecodeRatio {
    private static final int ROWS = 2048;
    private static final int WARMUP_ROUNDS = 60;

    public static void main(String[] args) {
        String[] types = args[0].split(",");
        int[] counts = {2, 4, 8};
        int threads = 2, rounds = 20, cols = 8192;
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--tokens" -> counts = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--cols" -> cols = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        for (String type : types) System.out.println(measure(DType.valueOf(type), counts, threads, rounds, cols));
    }

    private static String measure(DType dtype, int[] counts, int threads, int rounds, int cols) {
        int[] all = new int[counts.length + 1];
        all[0] = 1;
        System.arraycopy(counts, 0, all, 1, counts.length);
        int most = Arrays.stream(all).max().getAsInt();
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(threads)) {
            SplittableRandom random = new SplittableRandom(1);
            WeightMatrix matrix = DecodeKernelBench.randomMatrix(dtype, ROWS, cols, arena, random);
            MatMul matMul = new MatMul(pool);
            float[] x = new float[most * cols], y = new float[most * ROWS];
            for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
            RowRuns[] runs = new RowRuns[all.length];
            for (int c = 0; c < all.length; c++) {
                runs[c] = new RowRuns();
                for (int t = 0; t < all[c]; t++) runs[c].add(1);
            }
            double[][] micros = new double[all.length][rounds];
            for (int r = -WARMUP_ROUNDS; r < rounds; r++) {
                for (int c = 0; c < all.length; c++) {
                    int repeats = Math.max(1, most / all[c]); // every count runs about as long
                    long start = System.nanoTime();
                    for (int k = 0; k < repeats; k++) matMul.multiply(matrix, x, runs[c], 0, all[c], y);
                    if (r >= 0) micros[c][r] = (System.nanoTime() - start) / 1e3 / repeats;
                }
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-7s %d threads, %d × %d: 1 token %.0f µs",
                    dtype, threads, ROWS, cols, median(micros[0])));
            for (int c = 1; c < all.length; c++) {
                double[] perToken = new double[rounds];
                for (int r = 0; r < rounds; r++) perToken[r] = micros[c][r] / all[c] / micros[0][r];
                Arrays.sort(perToken);
                line.append(String.format(Locale.ROOT, " | %d tokens %.0f µs, per token %.2f× one [%.2f-%.2f]", all[c],
                        median(micros[c]), perToken[rounds / 2], perToken[rounds / 4], perToken[3 * rounds / 4]));
            }
            return line.toString();
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
