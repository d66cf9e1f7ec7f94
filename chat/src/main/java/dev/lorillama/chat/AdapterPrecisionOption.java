package dev.lorillama.chat;

import dev.lorillama.lori.AdapterPrecision;
import picocli.CommandLine.Option;

/** {@code --adapter-precision}: what the adapters' A and B are held and streamed in (every command that loads adapters). */
final class AdapterPrecisionOption {
    @Option(names = "--adapter-precision", paramLabel = "f32|bf16|f16",
            description = "Precision the adapters' A and B are held in and read at every token when applied unmerged: f32 "
                    + "(as PEFT files store them), bf16 or f16 (half the bytes; logits move by a few 1e-3, see docs/BENCHMARKS.md). "
                    + "Default: bf16 (adapter export: f32).")
    String precision;

    AdapterPrecision value() {
        return precision == null ? AdapterPrecision.DEFAULT : AdapterPrecision.parse(precision);
    }

    /** Exact F32 unless asked otherwise: for merging once into weights written to disk, where the bytes per token do not matter. */
    void defaultToF32() {
        if (precision == null) precision = AdapterPrecision.F32.label();
    }
}
