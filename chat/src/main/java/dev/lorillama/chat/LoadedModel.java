package dev.lorillama.chat;

import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;

/** A model opened from the command line, with the adapter set the options ask for. */
record LoadedModel(LlamaModel model, LinearProvider linears) implements AutoCloseable {

    static LoadedModel open(ModelOptions options, AdapterOptions adapters) {
        LlamaModel model = ModelLoader.load(options.path, options.threads);
        return new LoadedModel(model, model.baseLinears());
    }

    @Override
    public void close() throws Exception {
        model.close();
    }
}
