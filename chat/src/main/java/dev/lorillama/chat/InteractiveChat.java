package dev.lorillama.chat;

import dev.lorillama.api.AdapterMix;
import dev.lorillama.api.GenerationSettings;
import dev.lorillama.api.Llama;
import dev.lorillama.api.Reply;
import dev.lorillama.api.Session;
import dev.lorillama.runtime.UserInputException;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.jline.keymap.KeyMap;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.Reference;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.DumbTerminal;

/**
 * The interactive loop: read a message (JLine: editing, history; several lines with a trailing
 * {@code \}, a {@code """} block or a paste), stream the answer, report speeds. Lines starting
 * with '/' are commands ({@code /help}).
 */
final class InteractiveChat {
    private static final String CONTINUED = "\\";
    private static final String BLOCK = "\"\"\"";
    private static final String INTERRUPT_WIDGET = "lorillama-interrupt";

    private final Llama llama;
    private final Session session;
    private GenerationSettings settings;
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

    private String help() {
        return """
                /adapter NAME[+NAME...] [W,W...] [cat|linear]   apply loaded adapters (%s) from now on
                /adapter none   the base model;  /adapter   shows what is applied
                /set NAME VALUE   sampling for the next answers: %s
                /set   shows the settings
                /clear          forget the conversation
                /system TEXT    set the system prompt (and forget the conversation)
                /exit, /quit    leave (also Ctrl-D, or Ctrl-C on an empty line)
                Several lines: end a line with \\ to go on, or put them between two lines of \"\"\"; a paste keeps its lines.
                Ctrl-C while an answer is written stops that answer; at the prompt it clears what was typed, and on an empty line it exits."""
                .formatted(llama.adapterNames().isEmpty() ? "none loaded: start with --adapter" : String.join(", ", llama.adapterNames()),
                        SamplingCommand.NAMES);
    }

    int run() throws IOException {
        try (Terminal terminal = openTerminal(); CtrlC interrupts = isDumb(terminal) ? CtrlC.install() : CtrlC.installOn(terminal)) {
            ctrlC = interrupts;
            // a backslash is text (and the end of a line that goes on), not JLine's escape; '!' is text, not history expansion
            LineReaderBuilder builder = LineReaderBuilder.builder().terminal(terminal)
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true);
            if (!isDumb(terminal)) {
                builder.variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".lorillama_history"));
            }
            LineReader reader = builder.build();
            // At the prompt Ctrl-C is a key, not a signal: it ends the line being typed (see readMessage)
            reader.getWidgets().put(INTERRUPT_WIDGET, () -> {
                throw new UserInterruptException(reader.getBuffer().toString());
            });
            reader.getKeyMaps().get(LineReader.MAIN).bind(new Reference(INTERRUPT_WIDGET), KeyMap.ctrl('C'));
            err.println((raw ? "Completion mode (no chat template)" : "Chat") + " with " + modelName
                    + " (" + llama.config().numLayers() + " layers, context " + llama.contextLength() + ")"
                    + (session.adapters().isBase() ? "" : ", adapters " + session.adapters().describe())
                    + ". /help for commands; Ctrl-C stops an answer; at the prompt Ctrl-C, Ctrl-D or /exit quits.");
            PromptInterruptWatcher watcher = new PromptInterruptWatcher(Thread.currentThread(), terminal);
            if (!isDumb(terminal)) watcher.start();
            while (true) {
                String text;
                try {
                    watcher.prompting(true);
                    text = readMessage(reader, terminal);
                } catch (UserInterruptException e) {
                    if (!e.getPartialLine().isBlank()) continue; // Ctrl-C with typed text: that text is dropped
                    return 130; // Ctrl-C on an empty line: the shell's convention, 128 + SIGINT
                } catch (EndOfFileException e) {
                    return 0;
                } finally {
                    watcher.prompting(false);
                }
                if (text.isBlank()) continue;
                if (text.strip().startsWith("/")) {
                    if (!command(text.strip())) return 0;
                    continue;
                }
                answer(text.strip());
            }
        }
    }

    /**
     * One message: a line, or several: lines ending in {@code \} go on to the next, lines between
     * two {@code """} lines are one message, and a paste into a terminal arrives whole (JLine's
     * bracketed paste).
     */
    private String readMessage(LineReader reader, Terminal terminal) {
        String prompt = raw ? "raw> " : "> ";
        String line = readLine(reader, terminal, prompt);
        if (line.strip().startsWith(BLOCK)) {
            StringBuilder block = new StringBuilder(line.strip().substring(BLOCK.length()));
            while (!block.toString().endsWith(BLOCK) || block.length() < BLOCK.length()) {
                block.append(block.isEmpty() ? "" : "\n").append(readLine(reader, terminal, "... "));
            }
            return block.substring(0, block.length() - BLOCK.length());
        }
        StringBuilder message = new StringBuilder(line);
        while (message.toString().endsWith(CONTINUED)) {
            message.setLength(message.length() - CONTINUED.length());
            message.append('\n').append(readLine(reader, terminal, "... "));
        }
        return message.toString();
    }

    /** Reads a line with the terminal's Ctrl-C signal off, so that Ctrl-C reaches the line editor as a key. */
    private static String readLine(LineReader reader, Terminal terminal, String prompt) {
        if (isDumb(terminal)) return reader.readLine(prompt);
        setSignals(terminal, false);
        try {
            return reader.readLine(prompt);
        } finally {
            setSignals(terminal, true); // Ctrl-C while an answer is written is SIGINT again: it stops the answer
        }
    }

    private static void setSignals(Terminal terminal, boolean on) {
        Attributes attributes = terminal.getAttributes();
        attributes.setLocalFlag(Attributes.LocalFlag.ISIG, on);
        terminal.setAttributes(attributes);
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
        ReplyPrinter printer = ReplyPrinter.interactive(llama);
        Reply reply = ctrlC.whileGenerating(session,
                () -> raw ? session.complete(text, true, settings, printer) : session.chat(text, settings, printer));
        printer.finish(reply);
    }

    /** Runs a slash command; false means leave. */
    private boolean command(String text) {
        String name = text.split("\\s+", 2)[0];
        String argument = text.substring(name.length()).strip();
        try {
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
                case "/adapter", "/adapters" -> adapters(argument);
                case "/set" -> set(argument);
                case "/help" -> err.println(help());
                default -> err.println("unknown command " + name + "; /help lists them");
            }
        } catch (UserInputException | IllegalArgumentException e) {
            err.println("(" + e.getMessage() + ")");
        }
        return true;
    }

    private void adapters(String argument) {
        if (!argument.isEmpty()) {
            AdapterMix mix = AdapterSwitch.parse(argument);
            session.useAdapters(mix); // unknown names: a UserInputException naming the loaded ones
        }
        err.println("(adapters: " + session.adapters().describe()
                + (llama.adapterNames().isEmpty() ? "; none loaded: start with --adapter DIR or ORG/NAME" : "; loaded: "
                + String.join(", ", llama.adapterNames())) + ")");
    }

    private void set(String argument) {
        if (!argument.isEmpty()) {
            String[] parts = argument.split("\\s+");
            if (parts.length != 2) throw new IllegalArgumentException("usage: /set NAME VALUE, e.g. /set temperature 0.7");
            settings = SamplingCommand.set(settings, parts[0], parts[1]);
        }
        err.println("(" + SamplingCommand.describe(settings) + ")");
    }
}
