package dev.lorillama.langchain4j;

import dev.lorillama.api.AdapterMix;
import dev.lorillama.api.GenerationSettings;
import dev.lorillama.runtime.generate.SamplingOptions;
import java.util.List;

/**
 * What a lorillama chat model does when a request does not say: its adapters, sampling, max
 * tokens, stop strings and seed. A request's own parameters (temperature, topP, topK,
 * maxOutputTokens, stopSequences, modelName for the adapters) override these.
 *
 * <pre>{@code
 * LorillamaOptions options = LorillamaOptions.builder().adapters("nlu").temperature(0.2).maxTokens(256).build();
 * }</pre>
 *
 * @param adapters the adapters every request uses unless its modelName names others
 * @param settings sampling, max tokens, stop strings
 * @param seed     the random seed of every request (reproducible sampling); null: a fresh one each time
 */
public record LorillamaOptions(AdapterMix adapters, GenerationSettings settings, Long seed) {
    public LorillamaOptions {
        if (adapters == null) throw new IllegalArgumentException("adapters are required (AdapterMix.NONE for the base model)");
        if (settings == null) throw new IllegalArgumentException("generation settings are required");
    }

    /** The base model, Meta's sampling defaults, up to {@value GenerationSettings#DEFAULT_MAX_TOKENS} tokens. */
    public static LorillamaOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private AdapterMix adapters = AdapterMix.NONE;
        private float temperature = GenerationSettings.DEFAULT_TEMPERATURE;
        private float topP = GenerationSettings.DEFAULT_TOP_P;
        private int topK;
        private float minP;
        private float repetitionPenalty = 1f;
        private int maxTokens = GenerationSettings.DEFAULT_MAX_TOKENS;
        private List<String> stop = List.of();
        private Long seed;

        private Builder() {}

        /** Adapters by name as the server's "model" takes them: "nlu", "nlu+code", "nlu*0.6+code*0.4 (linear)". */
        public Builder adapters(String mix) {
            return adapters(mix.equals("base") ? AdapterMix.NONE : AdapterMix.parse(mix, "base"));
        }

        public Builder adapters(AdapterMix mix) {
            this.adapters = mix;
            return this;
        }

        public Builder temperature(double t) {
            this.temperature = (float) t;
            return this;
        }

        public Builder topP(double p) {
            this.topP = (float) p;
            return this;
        }

        public Builder topK(int k) {
            this.topK = k;
            return this;
        }

        public Builder minP(double p) {
            this.minP = (float) p;
            return this;
        }

        public Builder repetitionPenalty(double penalty) {
            this.repetitionPenalty = (float) penalty;
            return this;
        }

        public Builder maxTokens(int n) {
            this.maxTokens = n;
            return this;
        }

        public Builder stop(List<String> strings) {
            this.stop = List.copyOf(strings);
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        public LorillamaOptions build() {
            SamplingOptions sampling = new SamplingOptions(temperature, topK, topP, minP, repetitionPenalty, seed != null ? seed : 0);
            return new LorillamaOptions(adapters, new GenerationSettings(sampling, maxTokens, stop), seed);
        }
    }
}
