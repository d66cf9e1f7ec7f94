package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eval} against accuracies computed independently by make_chat_fixture.py (float64
 * reference generations, Python's re for the answers) on the fixture's 9 records.
 */
class EvalCommandTest {
    private static final JsonNode EXPECTED = ChatFixture.evalExpectations();

    private static String accuracyLine(String model) {
        JsonNode e = EXPECTED.get(model);
        return String.format(Locale.ROOT, "accuracy %.4f (%d of %d correct)%n", e.get("accuracy").asDouble(),
                e.get("correct").asInt(), e.get("total").asInt());
    }

    @Test
    void baseModelAccuracyOnAJsonArrayMatchesTheReference() {
        CliRunner.Result r = CliRunner.run("eval", "--model", ChatFixture.MODEL.toString(), "--threads", "1",
                "--data", ChatFixture.EVAL_JSON.toString(), "--max-tokens", EXPECTED.get("max_tokens").asText());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(accuracyLine("base"), r.out());
        assertTrue(r.err().contains("eval 100%"), "progress bar on stderr: " + r.err());
    }

    @Test
    void adapterAccuracyOnJsonLinesMatchesTheReferenceAndEachPrediction() {
        CliRunner.Result r = CliRunner.run("eval", "--model", ChatFixture.MODEL.toString(), "--threads", "1",
                "--adapter", ChatFixture.NLU.toString(), "--data", ChatFixture.EVAL_JSONL.toString(),
                "--max-tokens", EXPECTED.get("max_tokens").asText(), "--verbose");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(accuracyLine("nlu"), r.out());
        JsonNode predictions = EXPECTED.get("nlu").get("predictions");
        for (int i = 0; i < predictions.size(); i++) {
            assertTrue(r.err().contains("#" + i + " predicted '" + predictions.get(i).asText() + "'"), r.err());
        }
    }

    @Test
    void aRecordWithoutAnAnswerIsNamedInTheError(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("bad.jsonl");
        Files.writeString(data, "{\"instruction\": \"a\", \"output\": \"b\", \"answer\": \"true\"}\n{\"instruction\": \"c\", \"answer\": 3}\n");
        CliRunner.Result r = CliRunner.run("eval", "--model", ChatFixture.MODEL.toString(), "--data", data.toString());
        assertEquals(2, r.exitCode());
        assertEquals("error: " + data + ": line 2: field \"answer\" must be a string, found number", r.err().strip());
    }

    @Test
    void helpShowsTheProtocolDefaults() {
        CliRunner.Result r = CliRunner.run("eval", "--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("Default: 512"), r.out());
        assertTrue(r.out().contains("--data=FILE"), r.out());
    }
}
