package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's "Programmatic API" example compiles and runs (on the chat fixture instead of Llama-3-8B). */
class ReadmeExampleTest {
    private static final Path README = Path.of("../README.md").toAbsolutePath().normalize();

    @Test
    void readmeApiExampleCompilesAndRunsOnTheFixture(@TempDir Path dir) throws Exception {
        String readme = Files.readString(README);
        Matcher block = Pattern.compile("## Programmatic API.*?```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(block.find(), "no java block in the Programmatic API section of " + README);
        String example = block.group(1)
                .replace("\"Meta-Llama-3-8B-Instruct\"", literal(ChatFixture.MODEL))
                .replace("\"LoRI-S_nlu_llama3_rank_32\"", literal(ChatFixture.NLU))
                .replace("\"LoRI-S_code_llama3_rank_32\"", literal(ChatFixture.CODE))
                .replace("contextLength(4096)", "contextLength(512)"); // the fixture's maximum
        Path source = dir.resolve("ReadmeExample.java");
        Files.writeString(source, """
                import dev.lorillama.api.*;
                import java.nio.file.Path;
                import java.util.List;

                public class ReadmeExample {
                    public static void main(String[] args) {
                %s    }
                }
                """.formatted(example));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int compiled = javac.run(null, null, null, "-d", dir.toString(), "-cp", System.getProperty("java.class.path"), source.toString());
        assertEquals(0, compiled, "the README example does not compile");

        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            loader.loadClass("ReadmeExample").getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertTrue(out.matches("(?s).+\\n\\[(STOP|LENGTH), \\d+\\.\\d tok/s]\\n(\\[(STOP|LENGTH|CONTEXT_FULL), \\d+ tokens]\\n){3}"), out);
    }

    private static String literal(Path path) {
        return "\"" + path.toString().replace("\\", "\\\\") + "\"";
    }
}
