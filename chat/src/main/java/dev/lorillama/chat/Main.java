package dev.lorillama.chat;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The {@code chat.jar} command line. With no subcommand it chats ({@link ChatCommand}), with
 * {@code --model} or the {@link DefaultModel}; each subcommand is its own picocli command in its own file.
 */
@Command(name = "chat.jar",
        mixinStandardHelpOptions = true,
        version = "lorillama 0.1.0",
        sortOptions = false,
        description = {"Pure-Java Llama 3 runtime with LoRI adapters.",
                "With no command: chat with the model (interactive, or one-shot with --prompt). Without --model, the default "
                        + "model " + DefaultModel.NAME + " (from the Hugging Face cache, or downloaded after asking).",
                "Examples:",
                "  java -jar chat.jar",
                "  java -jar chat.jar --model ~/models/Llama-3.2-1B-Instruct",
                "  java -jar chat.jar --model meta-llama/Llama-3.2-1B-Instruct",
                "  java -jar chat.jar --prompt 'Why is the sky blue?' > answer.txt",
                "  java -jar chat.jar --model Meta-Llama-3-8B-Instruct \\",
                "      --adapter nlu --adapter code --weights 0.5,0.5",
                "Options:"},
        subcommands = {
                LogitsCommand.class,
                AdapterCommand.class,
                TokenizeCommand.class,
                EvalCommand.class,
                TrainCommand.class,
                ServeCommand.class,
                ConvertCommand.class,
                CheckCommand.class,
                BenchCommand.class,
                BenchServeCommand.class,
                RandomModelCommand.class,
        })
public final class Main implements Callable<Integer> {
    @Mixin
    ChatCommand chat;

    public static int run(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        UserErrorHandler errors = new UserErrorHandler();
        cli.setExecutionExceptionHandler(errors);
        cli.setParameterExceptionHandler(errors);
        return cli.execute(args);
    }

    public static void main(String[] args) {
        ParentWatch.start(System.getProperty(ParentWatch.PROPERTY));
        System.exit(run(args));
    }

    @Override
    public Integer call() throws Exception {
        if (chat.model.path == null) chat.model.path = DefaultModel.choose(chat.model, System.in, System.err);
        return chat.call();
    }
}
