package dev.lorillama.lori;

import dev.lorillama.runtime.model.Projection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What an adapter holds, projection by projection: rank, scale, and how many of B's entries are
 * not exactly zero (LoRI-S keeps about 10% of them). {@code adapter info} prints these numbers and
 * the server's {@code /v1/adapters/{name}} serves them for the web page's heatmap.
 *
 * @param baseLayers the base model's layer count (the heatmap's rows; an adapter may skip some)
 * @param fileBytes  size of {@code adapter_model.safetensors}
 * @param modules    one per adapted projection, in file order
 */
public record AdapterProfile(String name, int rank, double alpha, boolean rslora, double scale, int baseLayers,
                             long fileBytes, List<Module> modules) {

    /** One adapted projection: {@code ΔW = scale · B · A}, B is out × rank. */
    public record Module(int layer, Projection projection, int rank, double scale, long aEntries, long bEntries,
                         long bNonZeros) {
        public double bDensity() {
            return (double) bNonZeros / bEntries;
        }
    }

    public AdapterProfile {
        modules = List.copyOf(modules);
    }

    /** Counts B's non-zero entries of every module (reads each B once). */
    public static AdapterProfile of(LoraAdapter adapter, int baseLayers) {
        LoraConfig c = adapter.config();
        List<Module> modules = new ArrayList<>();
        for (LoraModule m : adapter.modules().values()) {
            modules.add(new Module(m.layer(), m.projection(), m.rank(), m.scale(), (long) m.a().rows() * m.a().cols(),
                    (long) m.b().rows() * m.b().cols(), Densities.nonZeros(m.b())));
        }
        double scale = c.useRslora() ? c.alpha() / Math.sqrt(c.rank()) : c.alpha() / c.rank();
        return new AdapterProfile(adapter.name(), c.rank(), c.alpha(), c.useRslora(), scale, baseLayers,
                fileSize(adapter.dir().resolve("adapter_model.safetensors")), modules);
    }

    private static long fileSize(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long bEntries() {
        return modules.stream().mapToLong(Module::bEntries).sum();
    }

    public long bNonZeros() {
        return modules.stream().mapToLong(Module::bNonZeros).sum();
    }

    public long aEntries() {
        return modules.stream().mapToLong(Module::aEntries).sum();
    }

    /** Non-zero fraction of all B entries together. */
    public double bDensity() {
        return (double) bNonZeros() / bEntries();
    }

    /** Non-zero fraction of B per projection, over the layers that adapt it. */
    public Map<Projection, Double> bDensityByProjection() {
        Map<Projection, long[]> counts = new EnumMap<>(Projection.class);
        for (Module m : modules) {
            long[] c = counts.computeIfAbsent(m.projection(), p -> new long[2]);
            c[0] += m.bNonZeros();
            c[1] += m.bEntries();
        }
        Map<Projection, Double> density = new EnumMap<>(Projection.class);
        counts.forEach((p, c) -> density.put(p, (double) c[0] / c[1]));
        return density;
    }

    /** B's density as a layer × projection grid (NaN where the adapter leaves the projection alone). */
    public double[][] bDensityGrid() {
        double[][] grid = LayerGrid.empty(baseLayers);
        for (Module m : modules) grid[m.layer()][m.projection().ordinal()] = m.bDensity();
        return grid;
    }
}
