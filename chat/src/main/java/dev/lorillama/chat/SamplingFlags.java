package dev.lorillama.chat;

import dev.lorillama.api.GenerationSettings;
import dev.lorillama.runtime.generate.SamplingOptions;
import java.util.List;
import picocli.CommandLine.Option;

/** Sampling options of the commands that generate text; the defaults are Meta's for Llama 3 Instruct. */
final class SamplingFlags {
    @Option(names = "--temperature", paramLabel = "T", defaultValue = "" + GenerationSettings.DEFAULT_TEMPERATURE,
            description = "Sampling temperature; 0 = greedy (always the most likely token). Default: ${DEFAULT-VALUE}.")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0",
            description = "Keep only the K most likely tokens; 0 = off. Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "" + GenerationSettings.DEFAULT_TOP_P,
            description = "Nucleus sampling: keep the most likely tokens up to probability P; 1 = off. Default: ${DEFAULT-VALUE}.")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0",
            description = "Drop tokens less likely than P x the most likely one; 0 = off. Default: ${DEFAULT-VALUE}.")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1.0",
            description = "Penalty for tokens already in the context (>1 discourages repeats); 1 = off. Default: ${DEFAULT-VALUE}.")
    float repeatPenalty;

    @Option(names = "--seed", paramLabel = "N",
            description = "Random seed, for repeatable sampling. Default: a new seed each run.")
    Long seed;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "" + GenerationSettings.DEFAULT_MAX_TOKENS,
            description = "Most new tokens per answer (fewer if the context fills up). Default: ${DEFAULT-VALUE}.")
    int maxTokens;

    GenerationSettings settings() {
        long s = seed != null ? seed : System.nanoTime();
        return new GenerationSettings(new SamplingOptions(temperature, topK, topP, minP, repeatPenalty, s), maxTokens, List.of());
    }
}
