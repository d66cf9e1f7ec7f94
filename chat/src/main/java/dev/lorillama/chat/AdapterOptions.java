package dev.lorillama.chat;

import dev.lorillama.hub.HubName;
import dev.lorillama.lori.MergePrecision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Adapter options shared by commands that run the model. */
final class AdapterOptions {
    @Option(names = "--adapter", paramLabel = "DIR",
            description = "A PEFT LoRA/LoRI adapter directory (adapter_config.json + adapter_model.safetensors) or Hugging Face "
                    + "repository (ORG/NAME). Repeat to combine several.")
    List<String> adapters = new ArrayList<>();

    @Option(names = "--weights", split = ",", paramLabel = "W",
            description = "Comma-separated weight per adapter, e.g. 0.6,0.4 (default: 1.0 each).")
    List<Float> weights = new ArrayList<>();

    @Option(names = "--combination", paramLabel = "cat|linear", defaultValue = "cat",
            description = "How several adapters combine, as PEFT add_weighted_adapter: cat (exact weighted sum of deltas) "
                    + "or linear (weighted sum of A's and of B's). Default: ${DEFAULT-VALUE}.")
    String combination;

    @Option(names = "--merged",
            description = "Merge the adapters into the weights once (fastest decode for a fixed set); default: applied unmerged.")
    boolean merged;

    @Mixin
    AdapterPrecisionOption precision = new AdapterPrecisionOption();

    @Option(names = "--merge-precision", paramLabel = "base|bf16",
            description = "With --merged, the type merged projections are stored in: base (default) keeps the base's own type, "
                    + "quantizing merged rows again as llama.cpp's export-lora does (the base's decode speed; Q2_K, Q3_K and "
                    + "IQ4_XS are stored as Q4_K, IQ4_NL as Q4_0); bf16 stores quantized projections in BF16 (closer to the "
                    + "exact merge, 2 bytes a weight). Float bases keep their type either way.")
    String mergePrecision;

    /** The merged weights' precision; a user error when given without --merged or not base|bf16. */
    MergePrecision mergePrecision() {
        if (mergePrecision == null) return MergePrecision.BASE;
        if (!merged) throw new IllegalArgumentException("--merge-precision needs --merged");
        return MergePrecision.parse(mergePrecision);
    }

    /** The adapters' directories, Hugging Face names found in the cache or downloaded. */
    List<Path> dirs(ModelOptions model) {
        return adapters.stream().map(model::adapter).toList();
    }

    /** What an adapter is called (in /adapter, the banner): a repository's or directory's own name. */
    static String name(String spec) {
        if (HubName.isHubName(spec)) return HubName.parse(spec).shortName().replace('+', '_');
        Path file = Path.of(spec).toAbsolutePath().normalize().getFileName();
        return file == null ? "adapter" : file.toString().replace('+', '_');
    }
}
