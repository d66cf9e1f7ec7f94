package dev.lorillama.chat;

import dev.lorillama.api.LoadOptions;
import dev.lorillama.api.Llama;
import dev.lorillama.server.OpenAiServer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code serve}: an OpenAI-compatible HTTP server; one base model in memory serves every adapter. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"OpenAI-compatible HTTP server.",
                "Endpoints: GET /health, GET /v1/models, POST /v1/chat/completions, POST /v1/completions "
                        + "(streamed as server-sent events with \"stream\": true, or one JSON object).",
                "The request's \"model\" picks the base (its id, or \"base\"), an adapter by NAME, or several joined "
                        + "with '+' (e.g. \"nlu+code\": cat, weight 1 each), applied unmerged: one base in memory serves all.",
                "Concurrency: up to --parallel requests generate at once, interleaved, each with its own KV cache; "
                        + "more requests queue in arrival order. A client that disconnects cancels its generation.",
                "Options:"})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--adapter", paramLabel = "NAME=DIR",
            description = "Load a PEFT LoRA/LoRI adapter directory under NAME (the \"model\" requests use). Repeat for more.")
    Map<String, Path> adapters = new LinkedHashMap<>();

    @Mixin
    DeviceOption device;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address to listen on. Default: ${DEFAULT-VALUE} (this machine only).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Port to listen on. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "2",
            description = "Requests generating at once (each holds a KV cache of --context tokens). Default: ${DEFAULT-VALUE}.")
    int parallel;

    @Option(names = "--name", paramLabel = "ID",
            description = "Id of the base model in /v1/models and requests. Default: the model's directory or file name.")
    String name;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "tokenizer.json / tokenizer.model when the model has none beside it. Default: the model's.")
    Path tokenizer;

    @Override
    public Integer call() throws InterruptedException {
        LoadOptions options = LoadOptions.defaults().threads(ModelLoading.checkedThreads(model)).progress(Progress.loading())
                .device(device.device()).deviceSequences(Math.max(1, parallel));
        if (model.context != null) options.contextLength(model.context);
        if (tokenizer != null) options.tokenizer(tokenizer);
        adapters.forEach(options::adapter);
        String baseId = name != null ? name : model.path().toAbsolutePath().normalize().getFileName().toString();
        CountDownLatch stopped = new CountDownLatch(1);
        try (Llama llama = Llama.load(model.path(), options);
             OpenAiServer server = OpenAiServer.start(llama, baseId, host, port, parallel)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
            System.err.printf("serving %s%s on http://%s:%d (%d parallel, context %d, device %s); Ctrl-C stops%n", baseId,
                    adapters.isEmpty() ? "" : " with adapters " + String.join(", ", adapters.keySet()), host, server.port(),
                    parallel, llama.contextLength(), llama.device());
            stopped.await();
        }
        return 0;
    }
}
