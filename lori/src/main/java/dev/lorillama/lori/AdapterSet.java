package dev.lorillama.lori;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.DenseLinear;
import dev.lorillama.runtime.model.Linear;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.Projection;
import dev.lorillama.runtime.model.RopeLayout;
import dev.lorillama.runtime.model.RopePermutation;
import dev.lorillama.runtime.tensor.FloatArrayMatrix;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Several adapters with weights, combined as PEFT {@code add_weighted_adapter} does, turned into
 * the low-rank updates of every adapted projection. Applied unmerged ({@link #unmerged}) or
 * merged into new weights once ({@link #merged}); the base model is never touched.
 */
public final class AdapterSet implements AutoCloseable {
    private final List<LoraAdapter> adapters;
    private final double[] weights;
    private final Combination combination;
    private final LlamaConfig base;
    private final AdapterPrecision precision;
    private final List<LowRankDelta>[][] deltas; // [layer][projection]

    @SuppressWarnings("unchecked")
    private AdapterSet(List<LoraAdapter> adapters, double[] weights, Combination combination, LlamaConfig base) {
        this.adapters = List.copyOf(adapters);
        this.weights = weights.clone();
        this.combination = combination;
        this.base = base;
        this.precision = adapters.get(0).precision();
        for (LoraAdapter a : adapters) {
            if (a.precision() != precision) {
                throw new IllegalArgumentException("adapters held in different precisions (" + precision.label() + ", "
                        + a.precision().label() + ") cannot be combined");
            }
        }
        this.deltas = new List[base.numLayers()][Projection.values().length];
        for (int l = 0; l < base.numLayers(); l++) {
            for (Projection p : Projection.values()) deltas[l][p.ordinal()] = buildDeltas(l, p);
        }
    }

    /**
     * @param weights one per adapter (empty: 1.0 each)
     */
    public static AdapterSet of(List<LoraAdapter> adapters, List<? extends Number> weights, Combination combination, LlamaConfig base) {
        if (adapters.isEmpty()) throw new IllegalArgumentException("an adapter set needs at least one adapter");
        if (!weights.isEmpty() && weights.size() != adapters.size()) {
            throw new IllegalArgumentException(weights.size() + " weights given for " + adapters.size() + " adapters");
        }
        double[] w = new double[adapters.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = weights.isEmpty() ? 1.0 : weights.get(i).doubleValue();
            if (!Double.isFinite(w[i])) throw new IllegalArgumentException("adapter weight " + weights.get(i) + " is not finite");
            if (combination == Combination.LINEAR && w[i] < 0) {
                throw new IllegalArgumentException("linear combination needs non-negative weights (it takes √(w·s)), got " + w[i]);
            }
        }
        return new AdapterSet(adapters, w, combination, base);
    }

    private List<LowRankDelta> buildDeltas(int layer, Projection p) {
        List<LowRankDelta> result = new ArrayList<>();
        List<LoraModule> present = new ArrayList<>();
        List<Double> weightsPresent = new ArrayList<>();
        for (int i = 0; i < adapters.size(); i++) {
            LoraModule m = adapters.get(i).module(layer, p);
            if (m != null) {
                present.add(m);
                weightsPresent.add(weights[i]);
            }
        }
        if (present.isEmpty()) return result;
        if (combination == Combination.CAT || present.size() == 1) {
            // LoRI adapters trained from one seed share A bit for bit: Σ s_i·B_i·A = (Σ s_i·B_i)·A,
            // so such a group costs one A·x and one B product instead of one per adapter.
            boolean[] grouped = new boolean[present.size()];
            for (int i = 0; i < present.size(); i++) {
                if (grouped[i]) continue;
                LoraModule m = present.get(i);
                List<WeightMatrix> bs = new ArrayList<>();
                List<Double> coefficients = new ArrayList<>();
                for (int j = i; j < present.size(); j++) {
                    if (j == i || (!grouped[j] && SameValues.of(m.a(), present.get(j).a()))) {
                        grouped[j] = true;
                        bs.add(present.get(j).b());
                        coefficients.add(weightsPresent.get(j) * present.get(j).scale());
                    }
                }
                if (bs.size() == 1) {
                    result.add(LowRankDelta.of(m.a(), inModelLayout(m.b(), p), coefficients.get(0), precision));
                } else {
                    double[] c = coefficients.stream().mapToDouble(Double::doubleValue).toArray();
                    WeightMatrix b = weightedSum(p.modulePath(layer) + ".lora_B(shared A)", bs, c);
                    result.add(LowRankDelta.of(m.a(), inModelLayout(b, p), 1.0, precision));
                }
            }
            return result;
        }
        // linear: one A and one B, each the √(w·s)-weighted sum; PEFT requires equal ranks here.
        int rank = present.get(0).rank();
        double[] coefficients = new double[present.size()];
        for (int i = 0; i < present.size(); i++) {
            if (present.get(i).rank() != rank) {
                throw new UserInputException("linear combination needs equal ranks: " + p.modulePath(layer) + " has rank "
                        + rank + " in one adapter and " + present.get(i).rank() + " in another (use --combination cat)");
            }
            coefficients[i] = Math.sqrt(weightsPresent.get(i) * present.get(i).scale());
        }
        WeightMatrix a = weightedSum(p.modulePath(layer) + ".lora_A(linear)", present.stream().map(LoraModule::a).toList(), coefficients);
        WeightMatrix b = weightedSum(p.modulePath(layer) + ".lora_B(linear)", present.stream().map(LoraModule::b).toList(), coefficients);
        result.add(LowRankDelta.of(precision.store(a.describe(), a), inModelLayout(b, p), 1.0, precision));
        return result;
    }

    private WeightMatrix weightedSum(String name, List<WeightMatrix> parts, double[] coefficients) {
        WeightMatrix first = parts.get(0);
        return FloatArrayMatrix.of(name, first.rows(), first.cols(), (r, dst) -> {
            float[] row = new float[first.cols()];
            for (int i = 0; i < parts.size(); i++) {
                parts.get(i).readRow(r, row, 0);
                for (int c = 0; c < row.length; c++) dst[c] += (float) (coefficients[i] * row[c]);
            }
        });
    }

    /**
     * Adapters are trained on Hugging Face layout; a GGUF base keeps q/k rows permuted for
     * interleaved RoPE, so B's rows of q and k must be permuted the same way.
     */
    private WeightMatrix inModelLayout(WeightMatrix b, Projection p) {
        if (base.ropeLayout() == RopeLayout.HALVES || (p != Projection.Q && p != Projection.K)) return b;
        int headDim = base.headDim();
        return FloatArrayMatrix.of(b.describe() + "(interleaved)", b.rows(), b.cols(),
                (row, dst) -> b.readRow(RopePermutation.hfRowOf(row, headDim), dst, 0));
    }

    /** Projections with the updates applied on the fly: {@code W·x + Σ s·B·(A·x)}. */
    public UnmergedLinears unmerged(LlamaModel model) {
        checkBase(model);
        LinearProvider baseLinears = model.baseLinears();
        Linear[][] linears = new Linear[base.numLayers()][Projection.values().length];
        for (int l = 0; l < base.numLayers(); l++) {
            for (Projection p : Projection.values()) {
                List<LowRankDelta> d = deltas[l][p.ordinal()];
                linears[l][p.ordinal()] = d.isEmpty() ? baseLinears.get(l, p) : new AdaptedLinear(baseLinears.get(l, p).weight(), d);
            }
        }
        return new UnmergedLinears(this, linears);
    }

    /** As {@link #merged(LlamaModel, Arena, MergeProgress, MergePrecision)} in the base's own types. */
    public LinearProvider merged(LlamaModel model, Arena arena, MergeProgress progress) {
        return merged(model, arena, progress, MergePrecision.BASE);
    }

    /**
     * Projections whose weights are {@code W + Σ s·B·A}, computed now into memory owned by
     * {@code arena} (the base stays untouched), stored in the type {@code precision} gives for
     * each base projection's type; where that is not the base's type, {@code progress} is told why
     * once per type.
     */
    public LinearProvider merged(LlamaModel model, Arena arena, MergeProgress progress, MergePrecision precision) {
        checkBase(model);
        LinearProvider baseLinears = model.baseLinears();
        Linear[][] linears = new Linear[base.numLayers()][Projection.values().length];
        int total = 0, done = 0;
        for (var layer : deltas) for (var d : layer) if (!d.isEmpty()) total++;
        java.util.Set<String> told = new java.util.HashSet<>();
        for (int l = 0; l < base.numLayers(); l++) {
            for (Projection p : Projection.values()) {
                List<LowRankDelta> d = deltas[l][p.ordinal()];
                WeightMatrix w = model.weights().layers().get(l).projection(p);
                if (d.isEmpty()) {
                    linears[l][p.ordinal()] = baseLinears.get(l, p);
                    continue;
                }
                precision.substitution(Merger.baseType(w)).filter(told::add).ifPresent(progress::note);
                linears[l][p.ordinal()] = new DenseLinear(Merger.merge(w, d, precision, arena));
                progress.step(++done, total);
            }
        }
        return (layer, p) -> linears[layer][p.ordinal()];
    }

    /** Bytes of adapter weights one token reads when applied unmerged (every A and B once). */
    public long bytesPerToken() {
        long bytes = 0;
        for (var layer : deltas) for (var d : layer) for (LowRankDelta delta : d) bytes += delta.a().byteSize() + delta.b().byteSize();
        return bytes;
    }

    /** The updates of one projection (empty when no adapter touches it). */
    public List<LowRankDelta> deltas(int layer, Projection p) {
        return deltas[layer][p.ordinal()];
    }

    private void checkBase(LlamaModel model) {
        LlamaConfig c = model.config();
        if (c.numLayers() != base.numLayers() || c.hiddenSize() != base.hiddenSize() || c.ropeLayout() != base.ropeLayout()) {
            throw new IllegalArgumentException("adapter set was built for another base model");
        }
    }

    public List<LoraAdapter> adapters() {
        return adapters;
    }

    /** The precision A and B are held in (the adapters'). */
    public AdapterPrecision precision() {
        return precision;
    }

    public Combination combination() {
        return combination;
    }

    public double weight(int i) {
        return weights[i];
    }

    @Override
    public void close() {
        // nothing to release: combined factors live on the heap, merged weights in the caller's arena
    }

    /** Reports merge progress: {@code done} of {@code total} projections. */
    @FunctionalInterface
    public interface MergeProgress {
        MergeProgress NONE = (done, total) -> {};

        void step(int done, int total);

        /** A fact about the merge worth telling (a type stored differently from its base's). */
        default void note(String text) {}
    }
}
