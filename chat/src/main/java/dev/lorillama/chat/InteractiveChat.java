package dev.lorillama.chat;

import dev.lorillama.api.GenerationSettings;
import dev.lorillama.api.Llama;
import dev.lorillama.api.Reply;
import dev.lorillama.api.Session;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.DumbTerminal;

/**
 * The interactive loop: read a line (JLine: editing, history), stream the answer, report speeds.
 * Lines starting with '/' are commands ({@code /help}).
 */
final class InteractiveChat {
    private static final String HELP = """
            /clear          forget the conversation
            /system TEXT    set the system prompt (and forget the conversation)
            /exit, /quit    leave (also Ctrl-D, or Ctrl-C at the prompt)
            Ctrl-C while an answer is written stops that answer; a second Ctrl-C, at the prompt, exits.""";

    private final Llama llama;
    private final Session session;
    private final GenerationSettings settings;
    private final boolean raw;
    private final String modelName;
    private CtrlC ctrlC;
    private final PrintStream err = System.err;

    InteractiveChat(String modelName, Llama llama, Session session, GenerationSettings settings, boolean raw) {
        this.modelName = modelName;
        this.llama = llama;
        this.session = session;
        this.settings = settings;
        this.raw = raw;
    }

    int run() throws IOException {
        try (Terminal terminal = openTerminal(); CtrlC interrupts = isDumb(terminal) ? CtrlC.install() : CtrlC.installOn(terminal)) {
            ctrlC = interrupts;
            LineReaderBuilder builder = LineReaderBuilder.builder().terminal(terminal);
            if (!isDumb(terminal)) {
                builder.variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".lorillama_history"));
            }
            LineReader reader = builder.build();
            err.println((raw ? "Completion mode (no chat template)" : "Chat") + " with " + modelName
                    + " (" + llama.config().numLayers() + " layers, context " + llama.contextLength() + ")"
                    + (session.adapters().isBase() ? "" : ", adapters " + session.adapters().describe())
                    + ". /help for commands; Ctrl-C stops an answer; at the prompt Ctrl-C, Ctrl-D or /exit quits.");
            PromptInterruptWatcher watcher = new PromptInterruptWatcher(Thread.currentThread(), terminal);
            if (!isDumb(terminal)) watcher.start();
            while (true) {
                String line;
                try {
                    watcher.prompting(true);
                    line = reader.readLine(raw ? "raw> " : "> ");
                } catch (UserInterruptException e) {
                    return 130; // Ctrl-C at the prompt: the shell's convention, 128 + SIGINT
                } catch (EndOfFileException e) {
                    return 0;
                } finally {
                    watcher.prompting(false);
                }
                String text = line.strip();
                if (text.isEmpty()) continue;
                if (text.startsWith("/")) {
                    if (!command(text)) return 0;
                    continue;
                }
                answer(text);
            }
        }
    }

    /** A terminal over pipes: JLine's line editor sees no signals there. */
    private static boolean isDumb(Terminal terminal) {
        return Terminal.TYPE_DUMB.equals(terminal.getType());
    }

    /** The terminal of a console; over a pipe (scripts, tests) a dumb one on this JVM's streams. */
    private static Terminal openTerminal() throws IOException {
        Console console = System.console();
        if (console != null && console.isTerminal()) {
            return TerminalBuilder.builder().system(true).encoding(StandardCharsets.UTF_8).build();
        }
        return new DumbTerminal("lorillama", Terminal.TYPE_DUMB, System.in, System.out, StandardCharsets.UTF_8);
    }

    private void answer(String text) {
        ReplyPrinter printer = new ReplyPrinter();
        Reply reply = ctrlC.whileGenerating(session,
                () -> raw ? session.complete(text, true, settings, printer) : session.chat(text, settings, printer));
        printer.finish(reply);
    }

    /** Runs a slash command; false means leave. */
    private boolean command(String text) {
        String name = text.split("\\s+", 2)[0];
        String argument = text.substring(name.length()).strip();
        switch (name) {
            case "/exit", "/quit" -> {
                return false;
            }
            case "/clear" -> {
                session.clearConversation();
                err.println("(conversation cleared)");
            }
            case "/system" -> {
                session.setSystemPrompt(argument);
                session.clearConversation();
                err.println(argument.isEmpty() ? "(system prompt removed)" : "(system prompt set; conversation cleared)");
            }
            case "/help" -> err.println(HELP);
            default -> err.println("unknown command " + name + "; /help lists them");
        }
        return true;
    }
}
