package dev.lorillama.chat;

import java.util.Optional;

/**
 * Ends the child JVM when the launcher that started it is gone, however it went. Killed with
 * SIGTERM the launcher takes the child with it (a shutdown hook), but SIGKILL runs no hook, and
 * the child would go on serving its port with nobody to stop it. So the child looks at its
 * parent a few times a second: once the launcher has exited the child has been handed to another
 * parent (init or a subreaper) at once, even while the launcher lingers as a zombie, and the pid
 * and start time tell a reused pid apart.
 */
final class ParentWatch {
    /** The launcher's pid, which it sets on the child JVM (Launcher.CHILD_PROPERTY; Launcher is built for Java 11 apart). */
    static final String PROPERTY = "lorillama.launched";
    static final long POLL_MILLIS = 200;
    /** How long a normal exit (shutdown hooks: the server closing) may take before the JVM is halted. */
    static final long EXIT_GRACE_MILLIS = 5_000;
    static final int EXIT_CODE = 129; // 128 + SIGHUP: "the controlling process went away"

    private ParentWatch() {}

    /** Starts watching the launcher whose pid is {@code launcherPid} (the launcher's system property); nothing when null. */
    static void start(String launcherPid) {
        if (launcherPid == null) return;
        long pid;
        try {
            pid = Long.parseLong(launcherPid);
        } catch (NumberFormatException notAPid) {
            return; // started by hand with the property set to something else: nothing to watch
        }
        Optional<ProcessHandle> launcher = ProcessHandle.of(pid);
        Thread watch = new Thread(() -> {
            while (launcher.isPresent() && isParent(launcher.get())) {
                try {
                    Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
            stop(pid);
        }, "lorillama-parent-watch");
        watch.setDaemon(true);
        watch.start();
    }

    private static boolean isParent(ProcessHandle launcher) {
        return launcher.isAlive() && ProcessHandle.current().parent().map(p -> p.pid() == launcher.pid()).orElse(false);
    }

    private static void stop(long pid) {
        StderrLine.end();
        System.err.println("error: the chat.jar launcher (pid " + pid + ") has ended; stopping");
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(EXIT_GRACE_MILLIS);
            } catch (InterruptedException e) {
                // halt at once
            }
            Runtime.getRuntime().halt(EXIT_CODE);
        }, "lorillama-parent-watch-halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(EXIT_CODE);
    }
}
