package dev.lorillama.chat;

import dev.lorillama.lori.AdapterPrecision;
import picocli.CommandLine.Option;

/** {@code --adapter-precision}: what the adapters' A and B are held and streamed in (every command that loads adapters). */
final class AdapterPrecisionOption {
    @Option(names = "--adapter-precision", paramLabel = "f32|bf16|f16",
            description = "Precision the adapters' A and B are held in and read at every token when applied unmerged: f32 "
                    + "(as PEFT files store them), bf16 or f16 (half the bytes; logits move by about 1e-3, see docs/BENCHMARKS.md). "
                    + "Default: ${DEFAULT-VALUE}.")
    String precision = AdapterPrecision.DEFAULT.label();

    AdapterPrecision value() {
        return AdapterPrecision.parse(precision);
    }
}
