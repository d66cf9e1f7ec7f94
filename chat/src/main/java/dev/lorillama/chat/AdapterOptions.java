package dev.lorillama.chat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Adapter options shared by commands that run the model. */
final class AdapterOptions {
    @Option(names = "--adapter", paramLabel = "DIR",
            description = "A PEFT LoRA/LoRI adapter directory (adapter_config.json + adapter_model.safetensors). Repeat to combine several.")
    List<Path> adapters = new ArrayList<>();

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
}
