package dev.lorillama.tests.bench;

import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.SharedFactors;
import dev.lorillama.runtime.backend.CpuBackend;
import dev.lorillama.runtime.format.gguf.GgufFile;
import dev.lorillama.runtime.format.gguf.GgufLlamaConfig;
import dev.lorillama.runtime.generate.Sampler;
import dev.lorillama.runtime.generate.SamplingOptions;
import dev.lorillama.runtime.model.Batch;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.LlamaWeights;
import dev.lorillama.runtime.model.Projection;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the time of a batched decode step goes: N sequences (each after a short prompt of its
 * own) decode together, step after step, as the scheduler runs them, and every backend operation
 * is timed ({@link TimingBackend}): each projection summed over the layers, the LM head,
 * attention, norms; then the greedy sampling of each row as the scheduler does it (copy out of
 * the batch's logits, {@link Sampler#next}), and whatever is left (embeddings, KV stores, the
 * step's bookkeeping). Also counts GC and the bytes allocated per step.
 *
 * <p>Run (from the repository root, after {@code ./mvnw -o install -DskipTests} and
 * {@code ./mvnw -o -q -pl tests dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt}), with
 * the launcher's compile flags ({@code chat.jar} prints none; copy them from KernelBench's fork):
 * <pre>
 * java --add-modules jdk.incubator.vector FLAGS -cp tests/target/test-classes:$(cat /tmp/cp.txt) \
 *      dev.lorillama.tests.bench.BatchedStepProfile MODEL.gguf [--rows 1,2,4,8,16] [--steps 12] [--threads 2] \
 *      [--adapters DIR_A,DIR_B]
 * </pre>
 * With {@code --adapters}, rows take turns: none, a, b, a + b (cat), as bench-serve's mixed run.
 */
public final class BatchedStepProfile {
    private static final int PROMPT = 24;
    private static final int WARMUP_STEPS = 4;

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int[] rows = {1, 2, 4, 8, 16};
        int steps = 12, threads = 2;
        List<Path> adapterDirs = List.of();
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--rows" -> rows = java.util.Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--adapters" -> adapterDirs = java.util.Arrays.stream(args[i + 1].split(",")).map(Path::of).toList();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        GgufFile gguf = GgufFile.open(model);
        LlamaConfig config = GgufLlamaConfig.read(gguf);
        LlamaWeights weights = LlamaWeights.fromGgufTensors(gguf, config);
        TimingBackend timing = new TimingBackend(new CpuBackend(threads));
        for (int l = 0; l < config.numLayers(); l++) {
            for (Projection p : Projection.values()) timing.name(weights.layers().get(l).projection(p), p.name().toLowerCase());
        }
        timing.name(weights.lmHead(), "lm head");
        try (LlamaModel m = new LlamaModel(config, weights, timing, gguf)) {
            List<LinearProvider> mixes = mixes(m, adapterDirs);
            System.out.printf("%s, %d threads, %s%n", model.getFileName(), threads,
                    mixes.size() == 1 ? "no adapters" : "rows take turns: none, a, b, a+b");
            for (int n : rows) profile(m, timing, n, steps, mixes);
        }
    }

    private static List<LinearProvider> mixes(LlamaModel m, List<Path> dirs) {
        if (dirs.isEmpty()) return List.of(m.baseLinears());
        SharedFactors shared = new SharedFactors();
        LoraAdapter a = LoraAdapter.load(dirs.get(0), m.config(), shared), b = LoraAdapter.load(dirs.get(1), m.config(), shared);
        return List.of(m.baseLinears(), AdapterSet.of(List.of(a), List.of(), Combination.CAT, m.config()).unmerged(m),
                AdapterSet.of(List.of(b), List.of(), Combination.CAT, m.config()).unmerged(m),
                AdapterSet.of(List.of(a, b), List.of(), Combination.CAT, m.config()).unmerged(m));
    }

    private static void profile(LlamaModel m, TimingBackend timing, int n, int steps, List<LinearProvider> mixes) {
        int vocab = m.config().vocabSize();
        List<InferenceState> states = new ArrayList<>();
        List<Sampler> samplers = new ArrayList<>();
        int[][] next = new int[n][1];
        int[][] history = new int[n][PROMPT + WARMUP_STEPS + steps + 1];
        for (int i = 0; i < n; i++) {
            int[] prompt = new int[PROMPT];
            for (int t = 0; t < PROMPT; t++) prompt[t] = (int) ((1000L + 7919L * (i * PROMPT + t)) % vocab);
            InferenceState s = m.newState(512);
            float[] logits = m.ingest(s, prompt, 0, PROMPT, mixes.get(i % mixes.size()), false);
            next[i][0] = Sampler.argmax(logits, 0, vocab);
            states.add(s);
            samplers.add(new Sampler(SamplingOptions.GREEDY));
        }
        Batch batch = m.newBatch(n);
        float[] sampled = new float[vocab];
        long stepNanos = 0, sampleNanos = 0;
        long allocated = 0, gcCount = 0, gcMillis = 0;
        com.sun.management.ThreadMXBean threadBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int step = 0; step < WARMUP_STEPS + steps; step++) {
            if (step == WARMUP_STEPS) {
                timing.reset();
                gcCount = -gcCount();
                gcMillis = -gcMillis();
                allocated = -threadBean.getCurrentThreadAllocatedBytes();
            }
            long t0 = System.nanoTime();
            batch.clear();
            for (int i = 0; i < n; i++) batch.add(states.get(i), next[i], 0, 1, mixes.get(i % mixes.size()), false);
            m.step(batch);
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                System.arraycopy(batch.logits(), batch.logitsOffset(i), sampled, 0, vocab);
                next[i][0] = samplers.get(i).next(sampled, vocab, history[i], 0);
            }
            long t2 = System.nanoTime();
            if (step >= WARMUP_STEPS) {
                stepNanos += t1 - t0;
                sampleNanos += t2 - t1;
            }
        }
        allocated += threadBean.getCurrentThreadAllocatedBytes();
        gcCount += gcCount();
        gcMillis += gcMillis();
        double stepMs = stepNanos / 1e6 / steps, sampleMs = sampleNanos / 1e6 / steps, total = stepMs + sampleMs;
        System.out.printf("%n== %d sequences: step %.1f ms + sampling %.2f ms = %.1f ms; %.1f tokens/s aggregate;"
                        + " %d GCs (%d ms), %.1f KB allocated per step on the stepping thread%n",
                n, stepMs, sampleMs, total, n * 1000 / total, gcCount, gcMillis, allocated / 1024.0 / steps);
        double accounted = 0;
        for (Map.Entry<String, long[]> e : timing.nanos.entrySet()) {
            double ms = e.getValue()[0] / 1e6 / steps;
            accounted += ms;
            System.out.printf("  %-14s %8.2f ms  %5.1f%%%n", e.getKey(), ms, 100 * ms / total);
        }
        System.out.printf("  %-14s %8.2f ms  %5.1f%%%n", "sampling", sampleMs, 100 * sampleMs / total);
        System.out.printf("  %-14s %8.2f ms  %5.1f%%%n", "rest of step", stepMs - accounted, 100 * (stepMs - accounted) / total);
    }

    private static long gcCount() {
        long c = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) c += Math.max(0, gc.getCollectionCount());
        return c;
    }

    private static long gcMillis() {
        long c = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) c += Math.max(0, gc.getCollectionTime());
        return c;
    }
}
