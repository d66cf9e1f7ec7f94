package dev.lorillama.chat;

import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.CheckpointExporter;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.LoraModule;
import dev.lorillama.lori.LoriMask;
import dev.lorillama.runtime.format.HfCheckpoint;
import dev.lorillama.runtime.model.LlamaConfig;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code adapter}: inspect, mask and export LoRI/LoRA adapters. */
@Command(name = "adapter", mixinStandardHelpOptions = true,
        description = "Inspect, mask and export LoRI/LoRA adapters (PEFT directories).",
        subcommands = {AdapterCommand.Info.class, AdapterCommand.Mask.class, AdapterCommand.ApplyMask.class, AdapterCommand.Export.class})
final class AdapterCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.err);
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Rank, alpha, scale, target modules, layers and density of B per module.")
    static final class Info implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "Adapter directory.")
        Path dir;

        @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
                description = "Base model the adapter is for (its config.json checks the shapes).")
        Path model;

        @Override
        public Integer call() {
            LlamaConfig base = HfConfigs.read(model);
            try (LoraAdapter adapter = LoraAdapter.load(dir, base)) {
                var c = adapter.config();
                System.out.printf(Locale.ROOT, "adapter  %s%n", adapter.dir());
                System.out.printf(Locale.ROOT, "rank     %d%nalpha    %s%nrslora   %s%n", c.rank(), trim(c.alpha()), c.useRslora());
                System.out.printf(Locale.ROOT, "scale    %s (default; per module below)%n", trim(c.useRslora() ? c.alpha() / Math.sqrt(c.rank()) : c.alpha() / c.rank()));
                Map<String, double[]> perProjection = new TreeMap<>();
                java.util.SortedSet<Integer> layers = new java.util.TreeSet<>();
                System.out.println("module                                   rank  scale    B density");
                long kept = 0, total = 0;
                for (LoraModule m : adapter.modules().values()) {
                    double density = m.bDensity();
                    long entries = (long) m.b().rows() * m.b().cols();
                    kept += Math.round(density * entries);
                    total += entries;
                    layers.add(m.layer());
                    perProjection.computeIfAbsent(m.projection().moduleName(), k -> new double[2]);
                    perProjection.get(m.projection().moduleName())[0] += density * entries;
                    perProjection.get(m.projection().moduleName())[1] += entries;
                    System.out.printf(Locale.ROOT, "%-40s %4d  %-8s %.4f%n", m.projection().modulePath(m.layer()), m.rank(), trim(m.scale()), density);
                }
                System.out.println("modules  " + String.join(",", perProjection.keySet()));
                System.out.println("layers   " + layers);
                perProjection.forEach((k, v) -> System.out.printf(Locale.ROOT, "density  %-10s %.4f%n", k, v[0] / v[1]));
                System.out.printf(Locale.ROOT, "density  overall    %.4f (%d of %d B entries non-zero)%n", (double) kept / total, kept, total);
                adapter.notes().forEach(n -> System.out.println("note     " + n));
            }
            return 0;
        }
    }

    @Command(name = "mask", mixinStandardHelpOptions = true,
            description = {"Extract a LoRI mask: one global magnitude threshold over all B entries,",
                    "keeping the top (1 - sparsity) fraction (LoRI extract_mask.py)."})
    static final class Mask implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "Adapter directory.")
        Path dir;

        @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR", description = "Base model (for shape checks).")
        Path model;

        @Option(names = "--sparsity", defaultValue = "0.9", description = "Fraction of B entries to drop (default: ${DEFAULT-VALUE}).")
        double sparsity;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Mask file to write (safetensors, BOOL).")
        Path out;

        @Override
        public Integer call() throws Exception {
            try (LoraAdapter adapter = LoraAdapter.load(dir, HfConfigs.read(model))) {
                LoriMask mask = LoriMask.extract(adapter, sparsity);
                mask.write(out);
                for (String key : mask.masks().keySet()) System.out.printf(Locale.ROOT, "%-70s %.4f%n", key, mask.density(key));
                System.out.printf(Locale.ROOT, "threshold %s, overall density %.6f -> %s%n", mask.threshold(), mask.density(), out);
            }
            return 0;
        }
    }

    @Command(name = "apply-mask", mixinStandardHelpOptions = true,
            description = "Write a copy of the adapter with B zeroed outside the mask (A unchanged).")
    static final class ApplyMask implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "Adapter directory.")
        Path dir;

        @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR", description = "Base model (for shape checks).")
        Path model;

        @Option(names = "--mask", required = true, paramLabel = "FILE", description = "Mask file (safetensors).")
        Path maskFile;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the masked adapter.")
        Path out;

        @Override
        public Integer call() throws Exception {
            try (LoraAdapter adapter = LoraAdapter.load(dir, HfConfigs.read(model))) {
                LoriMask mask = LoriMask.read(maskFile);
                mask.applyTo(adapter, out);
                System.out.printf(Locale.ROOT, "masked adapter (density %.6f) -> %s%n", mask.density(), out);
            }
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Merge adapters into the base and write a new Hugging Face checkpoint directory.")
    static final class Export implements Callable<Integer> {
        @Mixin
        ModelOptions model;

        @Mixin
        AdapterOptions adapters;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the merged checkpoint.")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (adapters.adapters.isEmpty()) throw new IllegalArgumentException("export needs at least one --adapter");
            adapters.merged = true;
            try (HfCheckpoint base = HfCheckpoint.open(model.path());
                 LoadedModel loaded = LoadedModel.open(model, adapters, Progress.merging("merging"))) {
                CheckpointExporter.export(base, loaded.model(), loaded.linears(), out);
            }
            System.err.println("wrote " + out);
            return 0;
        }
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.6g", v);
    }
}
