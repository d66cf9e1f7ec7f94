package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong when the project was tried as a new user would (issue 16), each kept fixed:
 * errors after a progress bar, progress on a pipe, help summaries, picocli's wording.
 */
class NewcomerFindingsTest {

    @Test
    void anErrorStartsOnALineOfItsOwnAfterAProgressBarOnATerminal(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.gguf"), "not a gguf file");
        // a pseudo-terminal (util-linux script): the bar draws \r frames there, and the error follows at once
        String command = ChatJar.JAVA + " -jar " + ChatJar.jar() + " --model " + bad + " --prompt hi";
        Process p = new ProcessBuilder("script", "-qfec", command, "/dev/null").redirectErrorStream(true).start();
        ChatJar.Drain console = ChatJar.drain(p.getInputStream());
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        console.join();
        String text = console.text();
        assertTrue(text.contains("loading"), "a bar was drawn: " + text);
        assertTrue(text.contains("\nerror: " + bad + ": not a GGUF file"), "the error on a line of its own: " + text.replace("\r", "\\r"));
    }

    @Test
    void progressOnAPipeIsWholeLinesWithoutCarriageReturns() {
        ChatJar.Result r = ChatJar.run("", "--model", ChatFixture.MODEL.toString(), "--prompt", "Hello", "--temperature", "0",
                "--max-tokens", "4");
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.err().contains("\r"), r.err());
        assertTrue(r.messages().lines().anyMatch(l -> l.startsWith("loading 100%")), r.err());
    }

    @Test
    void everyCommandSummaryInTheHelpIsAWholeSentence() {
        List<String> summaries = new ArrayList<>();
        for (String[] help : List.of(new String[] {"--help"}, new String[] {"adapter", "--help"})) {
            List<String> lines = CliRunner.run(help).out().lines().toList();
            boolean inCommands = false;
            for (String line : lines) {
                if (line.equals("Commands:")) inCommands = true;
                else if (inCommands && line.matches("  \\S.*")) summaries.add(line.strip());
                else if (inCommands && line.matches("\\s{3,}\\S.*")) summaries.set(summaries.size() - 1, summaries.getLast() + " " + line.strip());
            }
        }
        assertTrue(summaries.size() >= 10, summaries.toString());
        for (String s : summaries) assertTrue(s.endsWith("."), "cut mid-sentence: " + s);
    }

    @Test
    void aBadOptionSaysWhatIsWrongOnceAndWhereHelpIs() {
        CliRunner.Result r = CliRunner.run("--threads", "many", "--model", ChatFixture.MODEL.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: Invalid value for option '--threads': 'many' is not an int"), r.err());
        assertTrue(r.err().contains("'chat.jar --help' explains every option."), r.err());
        CliRunner.Result serve = CliRunner.run("serve", "--model");
        assertTrue(serve.err().startsWith("error: Missing required parameter for option '--model'"), serve.err());
        assertTrue(serve.err().contains("'chat.jar serve --help'"), serve.err());
        // serve --adapter was a picocli map option: "Value for option option '--adapter' ... should be in KEY=VALUE format"
        CliRunner.Result adapter = CliRunner.run("serve", "--model", ChatFixture.MODEL.toString(), "--adapter", "no-such-adapter", "--port", "0");
        assertEquals(2, adapter.exitCode());
        assertFalse(adapter.err().contains("option option"), adapter.err());
        assertTrue(adapter.err().contains("error: no-such-adapter"), adapter.err());
    }
}
