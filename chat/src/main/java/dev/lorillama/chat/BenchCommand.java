package dev.lorillama.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.lori.MergePrecision;
import dev.lorillama.runtime.format.MappedTensors;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench}: prompt processing and generation speed, as llama-bench measures them. pp = one
 * batched prefill of {@code -p} random tokens into an empty context; tg = {@code -n} single-token
 * steps from an empty context. Each is run {@code -r} times after a short warm-up (the JIT
 * compiles the kernels), and the median is reported with the weight bytes one generated token
 * reads, so tg tokens/s × bytes ÷ memory bandwidth gives the fraction of the roofline reached.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prompt processing (pp) and generation (tg) tokens/s, like llama-bench.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    AdapterOptions adapters;

    @Mixin
    DeviceOption device;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TOKENS", description = "Prompt tokens for pp (default ${DEFAULT-VALUE}; 0 skips pp).")
    int prompt = 512;

    @Option(names = {"-n", "--generate"}, paramLabel = "TOKENS", description = "Generated tokens for tg (default ${DEFAULT-VALUE}; 0 skips tg).")
    int generate = 128;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N", description = "Measured runs of each test; the median is reported (default ${DEFAULT-VALUE}).")
    int repetitions = 3;

    @Option(names = "--json", description = "Print one JSON object on stdout and nothing else.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (prompt < 0 || generate < 0 || prompt + generate == 0) {
            throw new IllegalArgumentException("-p and -n must be >= 0 and not both 0, got -p " + prompt + " -n " + generate);
        }
        if (repetitions < 1) throw new IllegalArgumentException("-r must be >= 1, got " + repetitions);
        int context = Math.max(Math.max(prompt, generate), 1);
        long loadStart = System.nanoTime();
        try (LoadedModel loaded = LoadedModel.open(model, adapters, device.device(), context)) {
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            LlamaModel m = loaded.model();
            LinearProvider linears = loaded.linears();
            if (context > m.config().maxPositions()) {
                throw new IllegalArgumentException("-p/-n " + context + " exceed the model's context length " + m.config().maxPositions());
            }
            InferenceState state = m.newState(context);
            int[] tokens = new SplittableRandom(42).ints(context, 0, m.config().vocabSize()).toArray();
            // Warm-up: the kernels get compiled before anything is timed.
            if (prompt > 0) prefill(m, linears, state, tokens, Math.min(prompt, 64));
            if (generate > 0) decode(m, linears, state, tokens, Math.min(generate, 16));

            double pp = prompt > 0 ? median(repetitions, () -> prompt / prefill(m, linears, state, tokens, prompt)) : 0;
            double tg = generate > 0 ? median(repetitions, () -> generate / decode(m, linears, state, tokens, generate)) : 0;
            // Merged weights replace the base's (in their own type); unmerged adapters read their A and B on every token too.
            long bytesPerToken = m.weights().bytesPerToken(linears)
                    + (loaded.adapterSet() != null && !adapters.merged ? loaded.adapterSet().bytesPerToken() : 0);
            long peakRss = peakRssBytes();
            if (json) {
                ObjectNode out = new ObjectMapper().createObjectNode();
                out.put("model", model.path.toString());
                out.put("threads", m.backend().threads());
                out.put("device", deviceName(m));
                out.put("adapters", adapterDescription());
                out.put("n_prompt", prompt);
                out.put("n_gen", generate);
                out.put("repetitions", repetitions);
                out.put("pp_tokens_per_s", pp);
                out.put("tg_tokens_per_s", tg);
                out.put("weight_bytes_per_token", bytesPerToken);
                out.put("tg_weight_gb_per_s", tg * bytesPerToken / 1e9);
                out.put("peak_rss_bytes", peakRss);
                out.put("load_seconds", loadSeconds);
                out.put("weight_memory", m.storage() instanceof MappedTensors t ? t.weightMemory().flag().substring(2) : "n/a");
                out.put("anon_huge_pages_bytes", procBytes(Path.of("/proc/self/smaps_rollup"), "AnonHugePages:"));
                System.out.println(out);
            } else {
                System.out.printf(Locale.ROOT, "model %s, %s, adapters: %s%n", model.path,
                        m.device().isPresent() ? deviceName(m) : m.backend().threads() + " threads", adapterDescription());
                if (prompt > 0) System.out.printf(Locale.ROOT, "pp%-5d %10.2f tokens/s%n", prompt, pp);
                if (generate > 0) {
                    System.out.printf(Locale.ROOT, "tg%-5d %10.2f tokens/s  (%.1f MB of weights per token: %.1f GB/s)%n",
                            generate, tg, bytesPerToken / 1e6, tg * bytesPerToken / 1e9);
                }
                System.out.printf(Locale.ROOT, "peak RSS %.1f MB%n", peakRss / 1e6);
                System.out.printf(Locale.ROOT, "load %.2f s (%s)%n", loadSeconds,
                        m.storage() instanceof MappedTensors t ? t.weightMemory().flag() : "weights in memory");
            }
        }
        return 0;
    }

    /** Seconds for one batched prefill of {@code n} tokens into an empty context. */
    private static double prefill(LlamaModel m, LinearProvider linears, InferenceState state, int[] tokens, int n) {
        state.reset();
        long start = System.nanoTime();
        m.ingest(state, tokens, 0, n, linears, false);
        return (System.nanoTime() - start) / 1e9;
    }

    /** Seconds for {@code n} single-token steps from an empty context. */
    private static double decode(LlamaModel m, LinearProvider linears, InferenceState state, int[] tokens, int n) {
        state.reset();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) m.ingest(state, tokens, i, 1, linears, false);
        return (System.nanoTime() - start) / 1e9;
    }

    /** "cpu", or the device the forward passes run on. */
    private static String deviceName(LlamaModel m) {
        return m.device().map(d -> d.describe()).orElse("cpu");
    }

    private String adapterDescription() {
        if (adapters.adapters.isEmpty()) return "none";
        return adapters.adapters + " " + adapters.combination
                + (adapters.merged ? " merged " + adapters.mergePrecision().flagValue() : " unmerged") + " " + adapters.precision.value().label();
    }

    private static double median(int runs, java.util.function.DoubleSupplier run) {
        double[] v = new double[runs];
        for (int i = 0; i < runs; i++) v[i] = run.getAsDouble();
        Arrays.sort(v);
        return runs % 2 == 1 ? v[runs / 2] : (v[runs / 2 - 1] + v[runs / 2]) / 2;
    }

    /** VmHWM of /proc/self/status (peak resident set), or −1 where there is no /proc. */
    static long peakRssBytes() {
        return peakRssBytes(Path.of("/proc/self/status"));
    }

    /** VmHWM of a process's {@code /proc/PID/status}, or −1 where it cannot be read. */
    static long peakRssBytes(Path status) {
        return procBytes(status, "VmHWM:");
    }

    /** The "KEY: N kB" line of a /proc file in bytes, or −1 where it cannot be read. */
    static long procBytes(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
