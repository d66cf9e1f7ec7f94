package dev.lorillama.chat;

import dev.lorillama.runtime.format.gguf.HfToGguf;
import dev.lorillama.runtime.format.gguf.GgufFileType;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code convert}: writes a Hugging Face checkpoint as a GGUF file llama.cpp can load. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a Hugging Face Llama checkpoint to a GGUF file.",
                "llama.cpp's keys and layout: q/k rows permuted for interleaved RoPE, norms in F32, tokenizer from "
                        + "tokenizer.json if present."})
final class ConvertCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
            description = "Hugging Face checkpoint directory (config.json + *.safetensors).")
    Path model;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE.gguf", description = "GGUF file to write.")
    Path out;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "f16",
            description = "Type of the matrices: f32, f16, bf16, q8_0, q4_0, or llama-quantize's per-tensor mixes "
                    + "q4_k_m, q5_k_m, q6_k (default: ${DEFAULT-VALUE}).")
    String type;

    @Mixin
    OverwriteOption overwrite;

    @Override
    public Integer call() throws Exception {
        overwrite.checkFile("--out", out);
        GgufFileType dtype = GgufFileType.parse(type);
        long start = System.nanoTime();
        HfToGguf.convert(model, out, dtype);
        System.err.printf(Locale.ROOT, "wrote %s (%s, %.1f MB) in %.1f s%n", out, dtype,
                java.nio.file.Files.size(out) / 1e6, (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
