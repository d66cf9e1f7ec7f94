package dev.lorillama.chat;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of {@code java -jar chat.jar}.
 *
 * <p>The Vector API lives in the incubator module {@code jdk.incubator.vector}, which a JVM only
 * loads when told to with {@code --add-modules}; a jar manifest cannot ask for it. So that plain
 * {@code java -jar chat.jar} works, the launcher starts the same Java again with the module added
 * and hands over its arguments, standard streams and exit code. When the module is already there
 * (tests, or a user who passes the flag) it runs {@link Main} in this JVM. When the {@code java}
 * on PATH is older than Java 25 but {@code JAVA_HOME} names a JDK 25, it starts that one instead,
 * so the README's {@code java -jar} works with only JAVA_HOME set.
 *
 * <p>{@code --device gpu} (or {@code auto}) with {@code TORNADOVM_HOME} set adds TornadoVM's JVM
 * flags the same way: its SDK's argfile (JVMCI, module path, exports) and the gpu module's jar,
 * which the build puts beside chat.jar. Without them the command itself says what is missing.
 */
public final class Launcher {
    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    /** By name: this class is compiled for old Java so that it can say which Java is needed. */
    private static final String MAIN_CLASS = "dev.lorillama.chat.Main";
    private static final int REQUIRED_JAVA = 25;
    /** The gpu module's jar, beside chat.jar (the gpu module's build puts it there). */
    public static final String GPU_JAR = "lorillama-gpu.jar";
    private static final String TORNADO_MODULE = "tornado.runtime";
    /** Set on the child JVM to the launcher's pid: the child ends when that process does (ParentWatch.PROPERTY). */
    private static final String CHILD_PROPERTY = "lorillama.launched";

    /** The methods of dev.lorillama.runtime.tensor that return a vector, by name. */
    public static final List<String> VECTOR_HELPERS = List.of(
            "bf16",
            "biased",
            "biasedBits",
            "biasedHigh",
            "biasedLow",
            "broadcastF16",
            "crumbs",
            "fifthBits",
            "floatBits",
            "floats",
            "halfBits",
            "highBits",
            "highNibbles",
            "iq4LevelBits",
            "iq4Levels",
            "iq4Table",
            "laneIndexes",
            "levels",
            "lowBits",
            "lowNibbles",
            "nibbles",
            "q",
            "quants",
            "scaleBytes",
            "scaleVector",
            "shiftedUp",
            "shorts",
            "thirdBits",
            "values",
            "vector",
            "widen");

    /**
     * How the JIT must treat the weight kernels, or their vectors end up boxed on the heap and
     * decode runs several times slower. The row loops are each compiled on their own and never
     * inlined into a caller: a caller that serves two formats (Q4_K_M mixes Q4_K and Q6_K) would
     * otherwise inline both kernels and outgrow the inlining budget (KernelAllocationTest failed
     * about one run in eight that way). And the loops always inline their small vector helpers
     * ({@link #VECTOR_HELPERS}): the JIT's heuristics sometimes refused one — "already compiled
     * into a big method" when the helper had got hot and been compiled on its own first, "low
     * call site frequency" when the profile was young — and a Q4_0 decode ran at 3.5 instead of
     * 39 tokens/s in ~1-2% of runs, and in every run without tiered compilation. The runtime's
     * tests run with the same flags (vector.jvm.args in the parent pom), once more without
     * tiered compilation, and KernelInliningTest checks that every helper is in the list.
     */
    public static final List<String> KERNEL_COMPILE_FLAGS = kernelCompileFlags();

    private static List<String> kernelCompileFlags() {
        List<String> flags = new ArrayList<>(List.of(
                "-XX:CompileCommand=quiet",
                "-XX:CompileCommand=dontinline,dev.lorillama.runtime.tensor.*::dotRow",
                "-XX:CompileCommand=dontinline,dev.lorillama.runtime.tensor.*::dotVectors",
                "-XX:CompileCommand=dontinline,dev.lorillama.runtime.tensor.*::decodeRow",
                "-XX:CompileCommand=dontinline,dev.lorillama.runtime.tensor.*::decodeVectors",
                "-XX:CompileCommand=dontinline,dev.lorillama.runtime.tensor.*::dotFourRows"));
        for (String helper : VECTOR_HELPERS) flags.add("-XX:CompileCommand=inline,dev.lorillama.runtime.tensor.*::" + helper);
        return List.copyOf(flags);
    }

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        String tornadoArgfile = wantsGpu(args) ? tornadoArgfile(System.getenv("TORNADOVM_HOME")) : null;
        if (Runtime.version().feature() < REQUIRED_JAVA) {
            // `java -jar` runs the java on PATH, often an older one than JAVA_HOME names: use JAVA_HOME's when it is new enough
            String javaHome = System.getenv("JAVA_HOME");
            File newer = javaHome == null ? null : new File(javaHome, "bin" + File.separator + "java");
            if (newer != null && newer.canExecute() && featureVersion(new File(javaHome, "release")) >= REQUIRED_JAVA) {
                System.exit(relaunch(newer.getPath(), args, tornadoArgfile));
                return;
            }
            System.err.println("error: chat.jar needs Java " + REQUIRED_JAVA + " or newer, but this is Java "
                    + Runtime.version() + " (" + System.getProperty("java.home") + ")"
                    + (javaHome == null ? ", and JAVA_HOME is not set" : ", and JAVA_HOME (" + javaHome + ") is not a JDK " + REQUIRED_JAVA)
                    + ". Set JAVA_HOME to a JDK 25, e.g. export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64");
            System.exit(2);
        }
        // A child never starts another: if TornadoVM's flags did not load it, the command says so.
        boolean tornadoMissing = tornadoArgfile != null && !ModuleLayer.boot().findModule(TORNADO_MODULE).isPresent()
                && System.getProperty(CHILD_PROPERTY) == null;
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent() && !tornadoMissing) {
            Object exitCode = Class.forName(MAIN_CLASS).getMethod("run", String[].class).invoke(null, (Object) args);
            System.exit((Integer) exitCode);
            return;
        }
        String java = ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        System.exit(relaunch(java, args, tornadoArgfile));
    }

    /** The major version a JDK's {@code release} file states (JAVA_VERSION="25.0.1"), 0 when it cannot be read. */
    private static int featureVersion(File release) {
        try {
            for (String line : java.nio.file.Files.readAllLines(release.toPath())) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(v.split("[.+-]")[0]);
                }
            }
        } catch (java.io.IOException | RuntimeException unreadable) {
            // not a JDK we can vouch for
        }
        return 0;
    }

    /** Whether the command line asks for the GPU: {@code --device gpu} or {@code --device auto}. */
    public static boolean wantsGpu(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String value = args[i].startsWith("--device=") ? args[i].substring("--device=".length())
                    : args[i].equals("--device") && i + 1 < args.length ? args[i + 1] : null;
            if (value != null && (value.equalsIgnoreCase("gpu") || value.equalsIgnoreCase("auto"))) return true;
        }
        return false;
    }

    /** The SDK's argfile of JVM flags, or null when TORNADOVM_HOME is unset or has none (the command then says why). */
    public static String tornadoArgfile(String tornadoHome) {
        if (tornadoHome == null || tornadoHome.trim().isEmpty()) return null;
        File argfile = new File(tornadoHome, "tornado-argfile");
        return argfile.isFile() ? argfile.getAbsolutePath() : null;
    }

    private static int relaunch(String java, String[] args, String tornadoArgfile) throws Exception {
        List<String> command = jvmCommand(java, System.getProperty("java.class.path"), tornadoArgfile);
        command.add(MAIN_CLASS);
        command.addAll(List.of(args));
        // Ctrl-C reaches the child too (same process group); the child decides what it means.
        ignoreInterrupts();
        Process child = new ProcessBuilder(command).inheritIO().start();
        // killed (SIGTERM, SIGHUP), the launcher takes the child with it rather than leave it orphaned;
        // killed with SIGKILL it cannot, and the child's ParentWatch sees it gone and ends the child
        Runtime.getRuntime().addShutdownHook(new Thread(child::destroy));
        return child.waitFor();
    }

    /** The child JVM's command up to the main class: the Vector API, kernel flags, and TornadoVM's when given. */
    public static List<String> jvmCommand(String java, String classPath, String tornadoArgfile) {
        List<String> command = new ArrayList<>();
        command.add(java);
        if (tornadoArgfile != null) {
            command.add("@" + tornadoArgfile);
            // A kernel TornadoVM cannot compile would otherwise run as plain Java, silently and wrongly.
            command.add("-Dtornado.recover.bailout=False");
        }
        command.add("--add-modules");
        command.add(VECTOR_MODULE);
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-XX:+IgnoreUnrecognizedVMOptions");
        command.add("-Xss4m");
        // The decode loop allocates nothing, so a concurrent collector buys nothing; G1's heap
        // growth during loading cost 0.4-0.5 GB of peak RSS (Q4_0 1B: 1.37 GB with G1, 0.99 serial).
        // TornadoVM's argfile picks its own collector, and two would stop the JVM from starting.
        if (tornadoArgfile == null) command.add("-XX:+UseSerialGC");
        command.add("-D" + CHILD_PROPERTY + "=" + ProcessHandle.current().pid());
        command.addAll(KERNEL_COMPILE_FLAGS);
        command.add("-cp");
        String gpuJar = new File(new File(classPath.split(File.pathSeparator)[0]).getAbsoluteFile().getParentFile(), GPU_JAR).getPath();
        command.add(tornadoArgfile != null && new File(gpuJar).isFile() ? classPath + File.pathSeparator + gpuJar : classPath);
        return command;
    }

    /**
     * Survives Ctrl-C with a handler that does nothing, not with SIG_IGN: an ignored signal stays
     * ignored across exec, and a JVM started with SIGINT ignored never lets Java handle it, so the
     * child could not stop an answer on Ctrl-C. A handler is reset to the default on exec.
     */
    @SuppressWarnings("restriction")
    private static void ignoreInterrupts() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> {});
        } catch (IllegalArgumentException unsupportedOnThisPlatform) {
            // no SIGINT here: nothing to ignore
        }
    }
}
