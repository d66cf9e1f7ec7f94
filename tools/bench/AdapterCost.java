import dev.lorillama.lori.*;
import dev.lorillama.runtime.model.*;
import java.nio.file.Path;
import java.util.*;

/**
 * What unmerged LoRI adapters cost per decoded token, per precision of A and B, interleaved in one
 * JVM so that the drift of a shared machine hits every configuration alike:
 * <ul>
 *   <li>LOGITS: max and mean |Δlogit| of 32 positions against the same adapter in f32;</li>
 *   <li>PRODUCTS (with PRODUCTS=1 in the environment): every projection's W·x of a token against
 *       the adapter's A·x and B·(A·x) alone, and B alone;</li>
 *   <li>DECODE: median ms per decoded token, token by token, every configuration in turn.</li>
 * </ul>
 * Run with chat.jar's kernel flags (docs/BENCHMARKS.md, "LoRI adapters unmerged"):
 * {@code java $FLAGS -cp chat.jar tools/bench/AdapterCost.java MODEL.gguf LORI_S_DIR LORI_D_DIR THREADS TOKENS ROUNDS f32,bf16,f16}
 */
public class AdapterCost {
    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        Map<String, Path> adapterDirs = Map.of("lori_s", Path.of(args[1]), "lori_d", Path.of(args[2]));
        int threads = Integer.parseInt(args[3]), tokens = Integer.parseInt(args[4]), rounds = Integer.parseInt(args[5]);
        List<AdapterPrecision> precisions = Arrays.stream(args[6].split(",")).map(AdapterPrecision::parse).toList();
        LlamaModel m = ModelLoader.load(model, threads);
        Map<String, LinearProvider> configs = new LinkedHashMap<>();
        configs.put("none", m.baseLinears());
        for (AdapterPrecision p : precisions) {
            SharedFactors shared = new SharedFactors(p);
            for (String a : List.of("lori_s", "lori_d")) {
                LoraAdapter ad = LoraAdapter.load(adapterDirs.get(a), m.config(), shared);
                AdapterSet set = AdapterSet.of(List.of(ad), List.of(), Combination.CAT, m.config());
                configs.put(a + " " + p.label(), set.unmerged(m));
                System.err.printf("%s %s: %.1f MB adapter per token%n", a, p.label(), set.bytesPerToken() / 1e6);
            }
        }
        int[] ids = new java.util.SplittableRandom(42).ints(64, 0, m.config().vocabSize()).toArray();
        // logits vs f32 (32 positions)
        Map<String, float[]> logits = new LinkedHashMap<>();
        for (var e : configs.entrySet()) logits.put(e.getKey(), m.ingest(m.newState(64), ids, 0, 32, e.getValue(), true).clone());
        for (String k : logits.keySet()) {
            if (k.equals("none") || k.endsWith("f32")) continue;
            String ref = k.substring(0, k.indexOf(' ')) + " f32";
            if (!logits.containsKey(ref)) continue;
            float[] a = logits.get(ref), b = logits.get(k);
            double max = 0, sum = 0; for (int i = 0; i < a.length; i++) { double d = Math.abs(a[i] - b[i]); max = Math.max(max, d); sum += d; }
            float[] base = logits.get("none"); double moved = 0; for (int i = 0; i < a.length; i++) moved = Math.max(moved, Math.abs(a[i] - base[i]));
            System.out.printf(Locale.ROOT, "LOGITS %s vs f32: max|d| %.3e mean|d| %.3e (adapter moves logits by up to %.2f)%n", k, max, sum / a.length, moved);
        }
        // The products alone: every projection's W·x (base) against its adapter's A·x and B·(A·x), interleaved, 2 threads.
        if (System.getenv("PRODUCTS") != null) {
            Map<String, List<Double>> prod = new LinkedHashMap<>(), bOnly = new LinkedHashMap<>();
            var backend = m.backend();
            float[] x = new float[16384], z = new float[512], y = new float[16384];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
            for (int rep = 0; rep < 40; rep++) {
                for (var e : configs.entrySet()) {
                    long t0 = System.nanoTime();
                    for (int l = 0; l < m.config().numLayers(); l++) for (Projection p : Projection.values()) {
                        Linear lin = e.getValue().get(l, p);
                        if (e.getKey().equals("none")) backend.matmul(lin.weight(), x, 1, y);
                        else for (LowRankUpdate u : lin.updates()) { backend.matmul(u.a(), x, 1, z); backend.matmul(u.b(), z, 1, y); }
                    }
                    if (rep >= 10) prod.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e6);
                    if (e.getKey().equals("none")) continue;
                    t0 = System.nanoTime();
                    for (int l = 0; l < m.config().numLayers(); l++) for (Projection p : Projection.values()) {
                        for (LowRankUpdate u : e.getValue().get(l, p).updates()) backend.matmul(u.b(), z, 1, y);
                    }
                    if (rep >= 10) bOnly.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e6);
                }
            }
            double w = median(prod.get("none"));
            for (var e : prod.entrySet()) System.out.printf(Locale.ROOT, "PRODUCTS %-12s %7.2f ms per token's projections (%.1f%% of the base's W·x)%n",
                    e.getKey(), median(e.getValue()), 100 * median(e.getValue()) / w);
            for (var e : bOnly.entrySet()) System.out.printf(Locale.ROOT, "PRODUCTS-B %-12s %7.2f ms per token: B·(A·x) alone, %s%n",
                    e.getKey(), median(e.getValue()), configs.get(e.getKey()).get(0, Projection.Q).updates().get(0).b().describe());
        }
        // Token by token, every configuration in turn, each with its own sequence: drift of the shared
        // machine hits all alike. The first round warms up and is dropped.
        Map<String, List<Double>> ms = new LinkedHashMap<>();
        Map<String, InferenceState> states = new LinkedHashMap<>();
        for (String k : configs.keySet()) states.put(k, m.newState(tokens * rounds + tokens + 1));
        for (int i = 0; i < tokens * (rounds + 1); i++) {
            for (var e : configs.entrySet()) {
                long t0 = System.nanoTime();
                m.ingest(states.get(e.getKey()), ids, i % 64, 1, e.getValue(), false);
                if (i >= tokens) ms.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e6);
            }
        }
        double base = median(ms.get("none"));
        for (var e : ms.entrySet()) {
            double med = median(e.getValue());
            List<Double> v = e.getValue(), sorted = new ArrayList<>(v);
            Collections.sort(sorted);
            System.out.printf(Locale.ROOT, "DECODE %-12s median %7.2f ms/token  %+6.1f%%  (quartiles %.1f-%.1f, %d tokens)%n", e.getKey(), med,
                    100 * (med / base - 1), sorted.get(v.size() / 4), sorted.get(3 * v.size() / 4), v.size());
        }
        System.exit(0);
    }
    static double median(List<Double> v) { List<Double> c = new ArrayList<>(v); Collections.sort(c); return c.get(c.size() / 2); }
}
