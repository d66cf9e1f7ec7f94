package dev.lorillama.tests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code java -jar chat.jar serve ...} as users start it, on a free loopback port, with the
 * page and everything it needs coming out of the jar. The vector module is named on the command
 * line so that the launcher runs the server in this process (no child JVM to outlive a kill).
 */
final class ServeProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile(" on (http://127\\.0\\.0\\.1:\\d+) ");

    private final Process process;
    private final StringBuffer log = new StringBuffer();
    final String url;

    private ServeProcess(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ChatJar.JAVA, "-Xmx512m", "--add-modules", "jdk.incubator.vector",
                "-jar", ChatJar.jar().toString(), "serve", "--host", "127.0.0.1", "--port", "0", "--threads", "1"));
        command.addAll(args);
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> address = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    log.append(line).append('\n');
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) address.complete(m.group(1));
                }
            } catch (IOException ended) {
                // the server stopped
            }
            address.complete(null);
        }, "serve-output");
        reader.setDaemon(true);
        reader.start();
        try {
            url = address.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new AssertionError("serve did not start in 60 s: " + log, e);
        }
        if (url == null) throw new AssertionError("serve stopped before it listened: " + log);
    }

    /** Starts {@code serve} with these arguments after the host, port and thread count. */
    static ServeProcess start(String... args) {
        try {
            return new ServeProcess(List.of(args));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The server's process id (the launcher runs it in its own JVM here). */
    long pid() {
        return process.pid();
    }

    /** What the server printed so far. */
    String log() {
        return log.toString();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }
}
