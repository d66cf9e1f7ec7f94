package dev.lorillama.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.runtime.generate.Sampler;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LlamaModel;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code logits}: runs token ids through the model and prints argmax per position and the last logits. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = {"Run token ids through the model and print the argmax and logits as JSON.",
                "One object: {\"argmax\": [id per input position], \"logits\": [vocab floats of the last position]}"})
final class LogitsCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    AdapterOptions adapters;

    @Mixin
    DeviceOption device;

    @Option(names = "--tokens", required = true, split = ",", paramLabel = "ID",
            description = "Comma-separated token ids, e.g. 1,2,3.")
    int[] tokens;

    @Override
    public Integer call() throws Exception {
        if (tokens.length == 0) throw new IllegalArgumentException("--tokens: give at least one token id");
        try (LoadedModel loaded = LoadedModel.open(model, adapters, device.device(), tokens.length)) {
            LlamaModel m = loaded.model();
            InferenceState state = m.newState(Math.min(m.config().maxPositions(), Math.max(tokens.length, 1)));
            float[] logits = m.ingest(state, tokens, 0, tokens.length, loaded.linears(), true);
            int vocab = m.config().vocabSize();
            ObjectMapper json = new ObjectMapper();
            ObjectNode out = json.createObjectNode();
            ArrayNode argmax = out.putArray("argmax");
            for (int t = 0; t < tokens.length; t++) argmax.add(Sampler.argmax(logits, t * vocab, vocab));
            ArrayNode last = out.putArray("logits");
            for (int i = 0; i < vocab; i++) last.add(logits[(tokens.length - 1) * vocab + i]);
            System.out.println(json.writeValueAsString(out));
        }
        return 0;
    }
}
