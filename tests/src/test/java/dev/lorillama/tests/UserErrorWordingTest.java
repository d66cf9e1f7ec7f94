package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a newcomer's trial found (issue 14), each kept fixed: user errors name the file or option
 * and what was expected, never Java's or Jackson's own text; outputs are never overwritten unasked
 * (--force everywhere), and that is checked before anything is loaded.
 */
class UserErrorWordingTest {
    private static final String MODEL = ChatFixture.MODEL.toString();
    /** A model path that does not exist: an error about it would mean the command loaded before checking its output. */
    private static final String NO_MODEL = "/no/such/model";

    @TempDir
    Path dir;

    @Test
    void evalOnABinaryFileNamesTheFileAndWhatWasExpected() throws Exception {
        Path binary = Files.write(dir.resolve("weights.bin"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0x80, 10});
        CliRunner.Result r = CliRunner.run("eval", "--model", MODEL, "--task", "boolq", "--data", binary.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("error: " + binary + ": not UTF-8 text (expected a JSON array or JSON lines of {instruction, output})\n", r.err());
    }

    @Test
    void aRecordOverSeveralLinesInJsonLinesSaysSoWithoutJacksonsText() throws Exception {
        Path data = Files.writeString(dir.resolve("data.jsonl"), "{\n  \"instruction\": \"a\",\n  \"output\": \"b\"\n}\n");
        CliRunner.Result r = CliRunner.run("eval", "--model", MODEL, "--task", "boolq", "--data", data.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("error: " + data + ": line 1: the record does not end on its line"), r.err());
        assertFalse(r.err().contains("Source"), r.err());
        Path broken = Files.writeString(dir.resolve("broken.json"), "[{\"instruction\": \"a\", \"output\": }]");
        CliRunner.Result b = CliRunner.run("eval", "--model", MODEL, "--task", "boolq", "--data", broken.toString());
        assertTrue(b.err().startsWith("error: " + broken + ": line 1, column 33: not valid JSON"), b.err());
        assertFalse(b.err().contains("Source") || b.err().contains("REDACTED"), b.err());
    }

    @Test
    void aKeyGivenTwiceInARecordIsRefusedNotSilentlyTheLastOne() throws Exception {
        Path data = Files.writeString(dir.resolve("twice.jsonl"), "{\"instruction\": \"a\", \"output\": \"b\", \"output\": \"c\"}\n");
        CliRunner.Result r = CliRunner.run("eval", "--model", MODEL, "--task", "boolq", "--data", data.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains(data + ": line 1, column") && r.err().contains("Duplicate field 'output'"), r.err());
    }

    @Test
    void convertIntoAMissingFolderCreatesItAndOneThatCannotBeIsNamedBeforeReadingTheModel() throws Exception {
        Path out = dir.resolve("new/folder/model.gguf");
        CliRunner.Result r = CliRunner.run("convert", "--model", MODEL, "--out", out.toString(), "--type", "q8_0");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.size(out) > 1000);
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Path under = file.resolve("model.gguf");
        CliRunner.Result refused = CliRunner.run("convert", "--model", NO_MODEL, "--out", under.toString());
        assertEquals(2, refused.exitCode(), refused.err());
        assertTrue(refused.err().startsWith("error: --out " + under + ": cannot create its folder " + file + " ("), refused.err());
        assertFalse(refused.err().contains("Exception"), refused.err());
    }

    @Test
    void convertOverwritesOnlyWithForce() throws Exception {
        Path out = Files.writeString(dir.resolve("model.gguf"), "keep me");
        CliRunner.Result refused = CliRunner.run("convert", "--model", NO_MODEL, "--out", out.toString());
        assertEquals(2, refused.exitCode(), refused.err());
        assertEquals("error: --out " + out + ": already exists (--force overwrites it)\n", refused.err());
        assertEquals("keep me", Files.readString(out));
        CliRunner.Result forced = CliRunner.run("convert", "--model", MODEL, "--out", out.toString(), "--type", "q8_0", "--force");
        assertEquals(0, forced.exitCode(), forced.err());
        byte[] magic = new byte[4];
        System.arraycopy(Files.readAllBytes(out), 0, magic, 0, 4);
        assertArrayEquals("GGUF".getBytes(), magic);
    }

    @Test
    void everyCommandThatWritesRefusesAnExistingOutputBeforeLoading() throws Exception {
        Path full = Files.createDirectories(dir.resolve("full"));
        Files.writeString(full.resolve("model.safetensors"), "x");
        Path file = Files.writeString(dir.resolve("taken.out"), "x");
        String adapter = ChatFixture.NLU.toString();
        String[][] commands = {
                {"adapter", "export", "--model", NO_MODEL, "--adapter", adapter, "--out", full.toString()},
                {"adapter", "apply-mask", adapter, "--model", NO_MODEL, "--mask", "/no/such/mask", "--out", full.toString()},
                {"adapter", "mask", adapter, "--model", NO_MODEL, "--out", file.toString()},
                {"adapter", "info", adapter, "--model", NO_MODEL, "--svg", file.toString()},
                {"eval", "--model", NO_MODEL, "--data", ChatFixture.BOOLQ.toString(), "--write-generations", file.toString()},
                {"train", "--model", NO_MODEL, "--data", "/no/such/data", "--out", full.toString()},
        };
        for (String[] c : commands) {
            CliRunner.Result r = CliRunner.run(c);
            String command = String.join(" ", c);
            assertEquals(2, r.exitCode(), command + ": " + r.err());
            assertTrue(r.err().contains("already exists (--force overwrites it)") || r.err().contains("is not empty (choose a new or empty "
                    + "directory, or --force to write into it)"), command + ": " + r.err());
        }
    }

    @Test
    void exportWithForceWritesIntoAnExistingCheckpointDirectory() throws Exception {
        Path out = Files.createDirectories(dir.resolve("merged"));
        Files.writeString(out.resolve("model.safetensors"), "old");
        CliRunner.Result r = CliRunner.run("adapter", "export", "--model", Fixtures.model("gqa_f32").toString(),
                "--adapter", Fixtures.adapter("lori_d").toString(), "--out", out.toString(), "--force");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.size(out.resolve("model.safetensors")) > 1000);
    }
}
