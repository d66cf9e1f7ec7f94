package dev.lorillama.tests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code java -jar chat/target/chat.jar ...} as a separate process, the way users do. */
public final class ChatJar {
    public static final Path JAR = Path.of("../chat/target/chat.jar").toAbsolutePath().normalize();
    public static final String JAVA = ProcessHandle.current().info().command().orElse("java");

    public record Result(int exitCode, String out, String err) {
        /** stderr without the JVM's own warning about incubator modules. */
        public String messages() {
            return err.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).map(l -> l + "\n")
                    .collect(java.util.stream.Collectors.joining());
        }
    }

    private ChatJar() {}

    /** {@code java -jar chat.jar args}, with {@code stdin} as its standard input. */
    static Result run(String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of(JAVA, "-jar", jar().toString()));
        command.addAll(List.of(args));
        return run(command, stdin);
    }

    static Result run(List<String> command, String stdin) {
        return run(command, stdin, java.util.Map.of(), 60);
    }

    /** With these environment variables changed (a null value removes one), failing after {@code seconds}. */
    public static Result run(List<String> command, String stdin, java.util.Map<String, String> env, int seconds) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().keySet().removeIf(k -> k.startsWith("HF_") || k.startsWith("HUGGING")); // no hub settings leak in
            env.forEach((k, v) -> {
                if (v == null) builder.environment().remove(k);
                else builder.environment().put(k, v);
            });
            Process p = builder.start();
            var out = drain(p.getInputStream());
            var err = drain(p.getErrorStream());
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("chat.jar " + command + " did not finish in " + seconds + " s");
            }
            out.join();
            err.join();
            return new Result(p.exitValue(), out.text(), err.text());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public static Path jar() {
        if (!Files.isRegularFile(JAR)) throw new AssertionError(JAR + " is missing: build with ./mvnw verify (package runs before the tests module)");
        return JAR;
    }

    /** Reads a stream to the end on its own thread (so neither pipe fills up and blocks the child). */
    static final class Drain extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Drain(InputStream in) {
            this.in = in;
            setDaemon(true);
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    synchronized (bytes) {
                        bytes.write(buffer, 0, n);
                    }
                }
            } catch (IOException closed) {
                // the process ended
            }
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }

    static Drain drain(InputStream in) {
        Drain d = new Drain(in);
        d.start();
        return d;
    }

    /** Ctrl-C: SIGINT to the process (start it under {@code env --default-signal=INT}, or a JVM started with SIGINT ignored never sees it). */
    static void interrupt(Process p) throws IOException, InterruptedException {
        if (new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor() != 0) throw new AssertionError("kill -INT " + p.pid() + " failed");
    }

    /** Types {@code text} into a console (a pseudo-terminal's input). */
    static void type(java.io.OutputStream keys, String text) throws IOException {
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    /** Waits (up to 60 s) until the console shows {@code text} {@code times} times, carriage returns aside. */
    static void awaitConsole(Drain console, String text, int times) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (console.text().replace("\r", "").split(java.util.regex.Pattern.quote(text), -1).length - 1 < Math.max(times, 1)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no '" + text + "' on the console:\n" + console.text());
            Thread.sleep(20);
        }
    }
}
