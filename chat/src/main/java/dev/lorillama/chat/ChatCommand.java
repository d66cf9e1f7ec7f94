package dev.lorillama.chat;

import dev.lorillama.api.GenerationSettings;
import dev.lorillama.api.Llama;
import dev.lorillama.api.Reply;
import dev.lorillama.api.Session;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Chat with a model: interactive (line editing, history, streaming) or one-shot with
 * {@code --prompt} (the answer alone on stdout). {@link Main} runs it when given {@code --model}
 * without a subcommand.
 */
final class ChatCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    AdapterOptions adapters;

    @Mixin
    DeviceOption device;

    @Mixin
    SamplingFlags sampling;

    @Option(names = {"-s", "--system"}, paramLabel = "TEXT", description = "System prompt of the chat. Default: none.")
    String system;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT",
            description = "One-shot: answer TEXT ('-' reads it from stdin), print only the answer on stdout, and exit.")
    String prompt;

    @Option(names = "--raw",
            description = "Completion mode for base (non-instruct) models: continue the text as is, no chat template.")
    boolean raw;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "tokenizer.json / tokenizer.model, when the model has none beside it. Default: the model's.")
    Path tokenizer;

    @Override
    public Integer call() throws IOException {
        GenerationSettings settings = sampling.settings();
        try (Llama llama = ModelLoading.load(model, adapters, device, tokenizer, Progress.loading());
             Session session = llama.newSession()) {
            session.setSystemPrompt(system);
            if (prompt == null) return new InteractiveChat(model.displayName(), llama, session, settings, raw).run();
            return oneShot(llama, session, settings);
        }
    }

    private int oneShot(Llama llama, Session session, GenerationSettings settings) throws IOException {
        try (CtrlC ctrlC = CtrlC.install()) {
            String text = prompt.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : prompt;
            ReplyPrinter printer = ReplyPrinter.oneShot(llama);
            Reply reply = ctrlC.whileGenerating(session,
                    () -> raw ? session.complete(text, true, settings, printer) : session.chat(text, settings, printer));
            printer.finish(reply);
            return 0;
        }
    }
}
