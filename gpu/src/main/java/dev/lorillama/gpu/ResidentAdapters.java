package dev.lorillama.gpu;

import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.LoraModule;
import dev.lorillama.lori.LowRankDelta;
import dev.lorillama.lori.UnmergedLinears;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.Projection;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.util.ArrayList;
import java.util.List;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The adapters kept on the device, each uploaded once, as lori prepares them for one adapter
 * alone ({@code ΔW_i = σ_i·B_i·A_i}, B in the model's row order, sparse where it is sparse). A
 * mix of them (any weights, cat or linear) is then only a small matrix of coefficients per
 * projection: switching adapters uploads nothing but those.
 *
 * <p>Per projection, the factors of all adapters that touch it are packed along the rank: A
 * stacked (R × in); B's columns of dense adapters first (rows × R_dense), then the sparse ones'
 * as compressed rows. {@code blocks} says which ranks belong to which adapter.
 */
final class ResidentAdapters {
    /** One projection's packed factors. */
    record Packed(FloatArray a, int rank, FloatArray denseB, int denseRank, IntArray rowStart, IntArray columns,
                  FloatArray values, IntArray blocks, int blockCount) {}

    private final LlamaConfig config;
    private final List<LoraAdapter> adapters = new ArrayList<>();
    private final Packed[][] packed;   // [layer][projection], null where no adapter acts
    private final float[][][] storedScale; // [adapter][layer][projection]: σ of the stored term, 0 where absent

    ResidentAdapters(LlamaConfig config, List<? extends LinearProvider> providers) {
        this.config = config;
        int layers = config.numLayers(), projections = Projection.values().length;
        List<AdapterSet> sets = new ArrayList<>();
        for (LinearProvider p : providers) {
            if (!(p instanceof UnmergedLinears u) || u.set().adapters().size() != 1) {
                throw new IllegalArgumentException("resident adapters are given as LoraAdapter.unmerged(model), one adapter each");
            }
            sets.add(u.set());
            adapters.add(u.set().adapters().get(0));
        }
        packed = new Packed[layers][projections];
        storedScale = new float[adapters.size()][layers][projections];
        for (int l = 0; l < layers; l++) {
            for (Projection p : Projection.values()) {
                List<LowRankDelta> deltas = new ArrayList<>();
                List<Integer> owners = new ArrayList<>();
                for (int i = 0; i < sets.size(); i++) {
                    for (LowRankDelta d : sets.get(i).deltas(l, p)) {
                        deltas.add(d);
                        owners.add(i);
                        storedScale[i][l][p.ordinal()] = d.scale();
                    }
                }
                if (!deltas.isEmpty()) packed[l][p.ordinal()] = pack(deltas, owners, p.outFeatures(config), p.inFeatures(config));
            }
        }
    }

    /** Dense adapters' ranks first, then the sparse ones'. */
    private static Packed pack(List<LowRankDelta> deltas, List<Integer> owners, int rows, int in) {
        List<Integer> order = new ArrayList<>();
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < deltas.size(); i++) if (deltas.get(i).sparse() == (pass == 1)) order.add(i);
        }
        int rank = 0, denseRank = 0;
        int[] blocks = new int[3 * order.size()];
        for (int b = 0; b < order.size(); b++) {
            LowRankDelta d = deltas.get(order.get(b));
            blocks[3 * b] = rank;
            blocks[3 * b + 1] = d.rank();
            blocks[3 * b + 2] = owners.get(order.get(b));
            rank += d.rank();
            if (!d.sparse()) denseRank += d.rank();
        }
        float[] a = new float[rank * in];
        float[] denseB = new float[rows * denseRank];
        List<Integer> columns = new ArrayList<>();
        List<Float> values = new ArrayList<>();
        int[] rowStart = new int[rows + 1];
        for (int b = 0; b < order.size(); b++) {
            LowRankDelta d = deltas.get(order.get(b));
            for (int k = 0; k < d.rank(); k++) d.a().readRow(k, a, (blocks[3 * b] + k) * in);
        }
        float[] row = new float[rank];
        for (int o = 0; o < rows; o++) {
            rowStart[o] = columns.size();
            for (int b = 0; b < order.size(); b++) {
                LowRankDelta d = deltas.get(order.get(b));
                WeightMatrix bm = d.b();
                bm.readRow(o, row, 0);
                for (int k = 0; k < d.rank(); k++) {
                    if (!d.sparse()) {
                        denseB[o * denseRank + blocks[3 * b] + k] = row[k];
                    } else if (row[k] != 0f) {
                        columns.add(blocks[3 * b] + k);
                        values.add(row[k]);
                    }
                }
            }
        }
        rowStart[rows] = columns.size();
        int[] cols = columns.stream().mapToInt(Integer::intValue).toArray();
        float[] vals = new float[values.size()];
        for (int i = 0; i < vals.length; i++) vals[i] = values.get(i);
        return new Packed(DeviceTensor.floats(a), rank, DeviceTensor.floats(denseB), denseRank, IntArray.fromArray(rowStart),
                cols.length == 0 ? new IntArray(1) : IntArray.fromArray(cols), DeviceTensor.floats(vals),
                IntArray.fromArray(blocks), order.size());
    }

    int count() {
        return adapters.size();
    }

    /** The packed factors of one projection, or null when no resident adapter acts on it. */
    Packed packed(int layer, Projection p) {
        return packed[layer][p.ordinal()];
    }

    /** Largest packed rank of any projection (the size of the A·x scratch per token). */
    int maxRank() {
        int max = 0;
        for (Packed[] layer : packed) for (Packed p : layer) if (p != null) max = Math.max(max, p.rank());
        return max;
    }

    /** Where projection (layer, p)'s adapters × adapters coefficients start. */
    int coefficientBase(int layer, Projection p) {
        return (layer * Projection.values().length + p.ordinal()) * count() * count();
    }

    int coefficientCount() {
        return config.numLayers() * Projection.values().length * count() * count();
    }

    /**
     * The coefficients that make the resident factors compute {@code linears}' updates: zero for
     * the weights alone; else what PEFT's {@code add_weighted_adapter} gives, with s_i = the
     * module's alpha/r and σ_i the scale kept beside B_i (1 when folded into a sparse B):
     * cat {@code C[i][i] = w_i·σ_i}; linear {@code C[i][j] = √(w_i·s_i)·(σ_i/s_i)·√(w_j·s_j)},
     * i.e. (Σ_i √(w_i s_i) B_i)(Σ_j √(w_j s_j) A_j).
     */
    float[] coefficients(LinearProvider linears, LinearProvider weights, LlamaModel model) {
        float[] c = new float[Math.max(1, coefficientCount())];
        if (linears == weights) return c;
        if (weights != model.baseLinears()) {
            throw new UserInputException("merged adapter weights are on the GPU in place of the base model's, so only that "
                    + "merge runs there; load without merging to switch adapters on the GPU");
        }
        if (linears == model.baseLinears()) return c;
        if (!(linears instanceof UnmergedLinears unmerged)) {
            throw new UserInputException("these projections (" + linears.getClass().getName() + ") cannot run on the GPU: it "
                    + "runs the base model, the merged weights it was given, and mixes of the adapters it keeps");
        }
        AdapterSet set = unmerged.set();
        int n = count();
        int[] resident = new int[set.adapters().size()];
        for (int k = 0; k < resident.length; k++) {
            resident[k] = indexOf(set.adapters().get(k));
            if (resident[k] < 0) {
                throw new UserInputException("adapter " + set.adapters().get(k).name() + " is not on the GPU: give it when "
                        + "loading the model (every adapter a mix uses is uploaded once, at load)");
            }
        }
        for (int l = 0; l < config.numLayers(); l++) {
            for (Projection p : Projection.values()) {
                List<Integer> present = new ArrayList<>();
                for (int k = 0; k < resident.length; k++) if (set.adapters().get(k).module(l, p) != null) present.add(k);
                int base = coefficientBase(l, p);
                boolean cat = set.combination() == Combination.CAT || present.size() == 1;
                for (int k : present) {
                    int i = resident[k];
                    double w = set.weight(k), sigma = storedScale[i][l][p.ordinal()];
                    if (cat) {
                        c[base + i * n + i] += (float) (w * sigma);
                        continue;
                    }
                    double s = moduleScale(set, k, l, p);
                    for (int k2 : present) {
                        double sOther = moduleScale(set, k2, l, p);
                        c[base + i * n + resident[k2]] += (float) (Math.sqrt(w * s) * (sigma / s) * Math.sqrt(set.weight(k2) * sOther));
                    }
                }
            }
        }
        return c;
    }

    private static double moduleScale(AdapterSet set, int k, int layer, Projection p) {
        LoraModule m = set.adapters().get(k).module(layer, p);
        return m.scale();
    }

    private int indexOf(LoraAdapter adapter) {
        for (int i = 0; i < adapters.size(); i++) if (adapters.get(i) == adapter) return i;
        return -1;
    }
}
