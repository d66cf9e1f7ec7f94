package dev.lorillama.chat;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code chat.jar} command line: one picocli command per subcommand, each in its own file. */
@Command(name = "chat.jar",
        mixinStandardHelpOptions = true,
        version = "lorillama 0.1.0",
        description = "Pure-Java Llama 3 runtime with LoRI adapters.",
        subcommands = {
                LogitsCommand.class,
                ConvertCommand.class,
                BenchCommand.class,
                RandomModelCommand.class,
        })
public final class Main implements Runnable {

    public static int run(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new UserErrorHandler());
        return cli.execute(args);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }
}
