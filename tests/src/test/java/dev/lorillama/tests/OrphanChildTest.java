package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar chat.jar serve} as users start it runs the server in a child JVM. A kill -9 of
 * the launcher runs no shutdown hook, and the child used to go on serving the port with nobody to
 * stop it: now it notices its parent is gone and ends.
 */
class OrphanChildTest {
    private static final Pattern LISTENING = Pattern.compile(" on http://127\\.0\\.0\\.1:(\\d+) ");
    /** The child polls its parent every 200 ms and has 5 s to close; this leaves room for a loaded machine. */
    private static final int BOUND_SECONDS = 30;

    @Test
    void killingTheLauncherWithSigkillEndsTheServingChildAndFreesThePort(@TempDir Path dir) throws Exception {
        // a file, not a pipe: destroying the launcher closes our end of its pipes, and the child's last words would be lost
        Path log = dir.resolve("serve.log");
        // no --add-modules: the launcher starts the child JVM, as for users
        Process launcher = new ProcessBuilder(List.of(ChatJar.JAVA, "-jar", ChatJar.jar().toString(), "serve", "--model",
                ChatFixture.MODEL.toString(), "--host", "127.0.0.1", "--port", "0", "--threads", "1"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ProcessHandle child = null;
        try {
            int listening = port(launcher, log);
            List<ProcessHandle> children = launcher.toHandle().children().toList();
            assertEquals(1, children.size(), "the launcher's children: " + children);
            child = children.getFirst();

            launcher.destroyForcibly(); // SIGKILL: no shutdown hook runs in the launcher
            assertTrue(launcher.waitFor(10, TimeUnit.SECONDS));

            boolean ended = child.onExit().completeOnTimeout(null, BOUND_SECONDS, TimeUnit.SECONDS).join() != null;
            assertTrue(ended && !child.isAlive(), "the child JVM outlived its launcher by " + BOUND_SECONDS + " s: " + Files.readString(log));
            assertTrue(canBind(listening), "port " + listening + " is still taken after the child ended");
            assertTrue(Files.readString(log).contains("error: the chat.jar launcher (pid " + launcher.pid() + ") has ended; stopping"),
                    Files.readString(log));
        } finally {
            launcher.destroyForcibly();
            if (child != null) child.destroyForcibly();
        }
    }

    /** The port serve says it listens on, once it does. */
    private static int port(Process launcher, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) return Integer.parseInt(m.group(1));
            if (!launcher.isAlive()) break;
            Thread.sleep(100);
        }
        throw new AssertionError("serve did not start: " + Files.readString(log));
    }

    private static boolean canBind(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException taken) {
            return false;
        }
    }
}
