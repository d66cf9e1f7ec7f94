package dev.lorillama.gpu;

import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.runtime.backend.CpuBackend;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.runtime.model.Projection;
import dev.lorillama.runtime.model.LowRankUpdate;
import dev.lorillama.tests.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * The adapters' kernels (A·x, then the mixed B product over dense and compressed-row B) against
 * the CPU's sum of the projection's low-rank updates: a dense LoRI-D and a 90%-sparse LoRI-S in cat,
 * and two LoRI-D in linear (cross terms).
 */
class LowRankKernelTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cat", "linear"})
    void residentFactorsTimesCoefficientsGiveTheCpuUpdate(String combination) throws Exception {
        int tokens = 3, lanes = 8;
        try (LlamaModel model = ModelLoader.load(Fixtures.model("gqa_f32"), 1);
             LoraAdapter d = LoraAdapter.load(Fixtures.adapter("lori_d"), model.config());
             LoraAdapter other = LoraAdapter.load(Fixtures.adapter(combination.equals("cat") ? "lori_s" : "lori_d2"), model.config());
             CpuBackend cpu = new CpuBackend(1)) {
            ResidentAdapters resident = new ResidentAdapters(model.config(), List.of(d.unmerged(model), other.unmerged(model)));
            LinearProvider mix = AdapterSet.of(List.of(d, other), List.of(0.6, 0.4), Combination.parse(combination), model.config())
                    .unmerged(model);
            float[] coefficients = resident.coefficients(mix, model.baseLinears(), model);
            for (Projection p : new Projection[] {Projection.Q, Projection.DOWN}) {
                int in = p.inFeatures(model.config()), rows = p.outFeatures(model.config());
                float[] x = KernelsTest.random(tokens * in, p.ordinal());
                float[] expected = new float[tokens * rows];
                for (LowRankUpdate u : mix.get(1, p).updates()) { // Σ scale·B·(A·x), as the CPU's forward pass adds it
                    float[] ax = new float[tokens * u.a().rows()], bax = new float[tokens * rows];
                    cpu.matmul(u.a(), x, tokens, ax);
                    for (int i = 0; i < ax.length; i++) ax[i] *= u.scale();
                    cpu.matmul(u.b(), ax, tokens, bax);
                    for (int i = 0; i < bax.length; i++) expected[i] += bax[i];
                }

                ResidentAdapters.Packed a = resident.packed(1, p);
                FloatArray dx = FloatArray.fromArray(x), ax = new FloatArray(tokens * a.rank()), y = new FloatArray(tokens * rows);
                FloatArray c = FloatArray.fromArray(coefficients), powers = WeightDecode.table();
                OneTask.run(g -> g
                        .task("a", MatMulKernels.forFormat(WeightDecode.F32), new KernelContext(), DeviceTensor.NO_BYTES, a.a(), powers,
                                dx, ax, a.rank(), in, 0, lanes)
                        .task("b", MatMulKernels::lowRankUp, new KernelContext(), ax, c, a.blocks(), a.denseB(), a.rowStart(),
                                a.columns(), a.values(), y, resident.coefficientBase(1, p), resident.count(), a.blockCount(), a.rank(),
                                a.denseRank(), rows),
                        Map.of("a", OneTask.grid(a.rank() * lanes, tokens, lanes), "b", OneTask.grid(rows, tokens, 0)),
                        OneTask.of(DeviceTensor.NO_BYTES, a.a(), powers, dx, c, a.blocks(), a.denseB(), a.rowStart(), a.columns(),
                                a.values(), y), y);
                KernelsTest.assertClose(expected, KernelsTest.read(y, expected.length), 1e-5, combination + " " + p);
            }
        }
    }
}
