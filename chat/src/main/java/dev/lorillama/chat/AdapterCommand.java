package dev.lorillama.chat;

import dev.lorillama.lori.AdapterProfile;
import dev.lorillama.lori.CheckpointExporter;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.LoriMask;
import dev.lorillama.lori.MaskOverlap;
import dev.lorillama.runtime.format.HfCheckpoint;
import dev.lorillama.runtime.model.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
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
            description = {"Rank, alpha, scale, file size, target modules, layers and density of B per module.",
                    "--svg / --html also draw B's density per layer x projection as a heatmap (the web page's Inspect picture);",
                    "--overlap adds where a second adapter's B is non-zero too."})
    static final class Info implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "Adapter directory.")
        Path dir;

        @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
                description = "Base model the adapter is for (its config.json checks the shapes).")
        Path model;

        @Option(names = "--overlap", paramLabel = "DIR",
                description = "A second adapter: how many of B's non-zero entries the two share, per module (their masks' overlap).")
        Path overlap;

        @Option(names = "--svg", paramLabel = "FILE", description = "Write the heatmap(s) as an SVG picture.")
        Path svg;

        @Option(names = "--html", paramLabel = "FILE", description = "Write the numbers and the heatmap(s) as an HTML page.")
        Path html;

        @Mixin
        OverwriteOption overwrite;

        @Override
        public Integer call() throws IOException {
            overwrite.checkFile("--svg", svg);
            overwrite.checkFile("--html", html);
            LlamaConfig base = HfConfigs.read(model);
            try (LoraAdapter adapter = LoraAdapter.load(dir, base);
                 LoraAdapter other = overlap == null ? null : LoraAdapter.load(overlap, base)) {
                AdapterProfile profile = AdapterProfile.of(adapter, base.numLayers());
                MaskOverlap masks = other == null ? null : MaskOverlap.of(adapter, other, base.numLayers());
                print(adapter, profile, masks);
                if (svg != null) Files.writeString(svg, AdapterReport.svg(profile, masks));
                if (html != null) Files.writeString(html, AdapterReport.html(profile, masks));
            }
            return 0;
        }

        private static void print(LoraAdapter adapter, AdapterProfile p, MaskOverlap masks) {
            System.out.printf(Locale.ROOT, "adapter  %s%n", adapter.dir());
            System.out.printf(Locale.ROOT, "rank     %d%nalpha    %s%nrslora   %s%n", p.rank(), trim(p.alpha()), p.rslora());
            System.out.printf(Locale.ROOT, "scale    %s (default; per module below)%n", trim(p.scale()));
            System.out.printf(Locale.ROOT, "bytes    %d (adapter_model.safetensors)%n", p.fileBytes());
            System.out.println("module                                   rank  scale    B density");
            for (AdapterProfile.Module m : p.modules()) {
                System.out.printf(Locale.ROOT, "%-40s %4d  %-8s %s%n", m.projection().modulePath(m.layer()), m.rank(), trim(m.scale()),
                        AdapterHeatmap.fixed(m.bDensity(), 4));
            }
            Map<String, Double> byProjection = new TreeMap<>();
            p.bDensityByProjection().forEach((proj, d) -> byProjection.put(proj.moduleName(), d));
            System.out.println("modules  " + String.join(",", byProjection.keySet()));
            System.out.println("layers   " + p.modules().stream().map(AdapterProfile.Module::layer).collect(Collectors.toCollection(TreeSet::new)));
            byProjection.forEach((k, d) -> System.out.printf(Locale.ROOT, "density  %-10s %s%n", k, AdapterHeatmap.fixed(d, 4)));
            System.out.printf(Locale.ROOT, "density  overall    %s (%d of %d B entries non-zero)%n", AdapterHeatmap.fixed(p.bDensity(), 4),
                    p.bNonZeros(), p.bEntries());
            if (masks != null) {
                System.out.printf(Locale.ROOT, "overlap  %s: %d B entries non-zero in both of %d in either (%s)%n", masks.second(),
                        masks.both(), masks.union(), AdapterHeatmap.fixed(masks.jaccard(), 4));
            }
            adapter.notes().forEach(n -> System.out.println("note     " + n));
        }
    }

    @Command(name = "mask", mixinStandardHelpOptions = true,
            description = {"Extract a LoRI mask from an adapter's B matrices.",
                    "One global magnitude threshold over all B entries keeps the top (1 - sparsity) fraction (LoRI extract_mask.py)."})
    static final class Mask implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "Adapter directory.")
        Path dir;

        @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR", description = "Base model (for shape checks).")
        Path model;

        @Option(names = "--sparsity", defaultValue = "0.9", description = "Fraction of B entries to drop (default: ${DEFAULT-VALUE}).")
        double sparsity;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Mask file to write (safetensors, BOOL).")
        Path out;

        @Mixin
        OverwriteOption overwrite;

        @Override
        public Integer call() throws Exception {
            overwrite.checkFile("--out", out);
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

        @Mixin
        OverwriteOption overwrite;

        @Override
        public Integer call() throws Exception {
            overwrite.checkDirectory("--out", out);
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

        @Mixin
        OverwriteOption overwrite;

        @Override
        public Integer call() throws Exception {
            if (adapters.adapters.isEmpty()) throw new IllegalArgumentException("export needs at least one --adapter");
            overwrite.checkDirectory("--out", out);
            adapters.merged = true;
            adapters.precision.defaultToF32();
            try (HfCheckpoint base = HfCheckpoint.open(model.path());
                 LoadedModel loaded = LoadedModel.open(model, adapters, Progress.merging("merging"))) {
                CheckpointExporter.export(base, loaded.model(), loaded.linears(), out);
            }
            System.err.println("wrote " + out);
            return 0;
        }
    }

    /** Whole numbers plainly, others with 6 significant digits (the web page prints them alike). */
    static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.6g", v);
    }
}
