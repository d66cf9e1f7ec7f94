package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eval} reproduces LoRI's eval_model.py + get_datasets.py: against make_chat_fixture.py's
 * own implementation of that protocol on float64 reference generations (tasks/boolq: 70
 * records, two duplicate prompts, one prompt past 512 tokens), and rule by rule on hand-made
 * generations scored without a model ({@code --generations}).
 */
class EvalCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode EXPECTED = ChatFixture.read(ChatFixture.BOOLQ.resolveSibling("expected.json"));
    private static final String MAX_TOKENS = EXPECTED.get("max_tokens").asText();

    private static String accuracyLine(int correct, int total) {
        return String.format(Locale.ROOT, "accuracy %.4f (%d of %d correct)%n", (double) correct / total, correct, total);
    }

    private static int correct(String model, String mode, String task) {
        return EXPECTED.get(model).get(mode).get("tasks").get(task).get("correct").asInt();
    }

    @Test
    void theTaskFolderSetsTheAnswerWordsAndLorisRulesPickTheRecords(@TempDir Path dir) throws IOException {
        Path saved = dir.resolve("generations.jsonl");
        CliRunner.Result r = CliRunner.run("eval", "--model", ChatFixture.MODEL.toString(), "--threads", "1",
                "--data", ChatFixture.BOOLQ.toString(), "--max-tokens", MAX_TOKENS, "--verbose", "--write-generations", saved.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(accuracyLine(correct("base", "protocol", "boolq"), 64), r.out());
        assertTrue(r.err().contains("eval: task boolq, 70 records, 2 duplicate prompts (the last of each kept), 64 scored, "
                + "4 dropped (the final batch of fewer than 64, as LoRI's loader), 1 prompts truncated to their first 256 tokens; "
                + "generated in "), r.err());
        assertTrue(r.err().contains("records/s (batches of 64)"), r.err());
        JsonNode predictions = EXPECTED.get("base").get("protocol").get("tasks").get("boolq").get("predictions");
        List<String> lines = Files.readAllLines(saved);
        assertEquals(70, lines.size(), "one line per record of the file");
        // The scored records in LoRI's order: each prompt where it first appears, with its last record.
        Map<String, Integer> lastRecord = new java.util.LinkedHashMap<>();
        JsonNode records = ChatFixture.read(ChatFixture.BOOLQ);
        for (int i = 0; i < records.size(); i++) lastRecord.put(records.get(i).get("instruction").asText(), i);
        List<Integer> order = new ArrayList<>(lastRecord.values()).subList(0, 64);
        for (int k = 0; k < 64; k++) {
            JsonNode g = JSON.readTree(lines.get(order.get(k)));
            assertEquals(predictions.get(k).asText(), g.get("predicted").asText(), lines.get(order.get(k)));
        }
        assertEquals(64, lines.stream().filter(l -> !l.contains("\"generation\":null")).count(), "six lines without a generation");

        // The same generations scored without a model, for every task's answer words.
        for (Iterator<String> tasks = EXPECTED.get("base").get("protocol").get("tasks").fieldNames(); tasks.hasNext(); ) {
            String task = tasks.next();
            CliRunner.Result rescored = CliRunner.run("eval", "--generations", saved.toString(), "--data", ChatFixture.BOOLQ.toString(),
                    "--task", task);
            assertEquals(0, rescored.exitCode(), rescored.err());
            assertEquals(accuracyLine(correct("base", "protocol", task), 64), rescored.out(), task);
        }
    }

    @Test
    void allRecordsWithAnAdapterScoresEveryRecordInFileOrder() {
        CliRunner.Result r = CliRunner.run("eval", "--model", ChatFixture.MODEL.toString(), "--threads", "1",
                "--adapter", ChatFixture.NLU.toString(), "--data", ChatFixture.BOOLQ.toString(), "--max-tokens", MAX_TOKENS,
                "--all-records", "--task", "hellaswag", "--batch-size", "16",
                "--adapter-precision", "f32"); // the reference generations are F32 math
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(accuracyLine(correct("nlu", "all_records", "hellaswag"), 70), r.out());
        assertTrue(r.err().contains("70 records, every record scored (--all-records)"), r.err());
    }

    @Test
    void jsonLinesWithTheTaskGivenMatchTheReference() {
        JsonNode expected = ChatFixture.evalExpectations().get("protocol").get("by_model").get("nlu");
        CliRunner.Result r = CliRunner.run("eval", "--model", ChatFixture.MODEL.toString(), "--threads", "1",
                "--adapter", ChatFixture.NLU.toString(), "--data", ChatFixture.EVAL_JSONL.toString(), "--task", "boolq",
                "--all-records", "--max-tokens", MAX_TOKENS);
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(accuracyLine(expected.get("tasks").get("boolq").get("correct").asInt(), 9), r.out());
    }

    /** The generation config's EOS ends an answer: here the space token, so answers end where a space would come. */
    @Test
    void generationStopsAtTheGenerationConfigsEos(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(ChatFixture.MODEL.resolve(f), model.resolve(f));
        }
        Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": [32]}");
        Map<String, Path> runs = Map.of("fixture", ChatFixture.MODEL, "space as EOS", model);
        Map<String, List<String>> answers = new java.util.HashMap<>();
        for (var run : runs.entrySet()) {
            Path saved = dir.resolve(run.getKey().replace(' ', '_') + ".jsonl");
            CliRunner.Result r = CliRunner.run("eval", "--model", run.getValue().toString(), "--threads", "1", "--data",
                    ChatFixture.EVAL_JSON.toString(), "--task", "boolq", "--all-records", "--max-tokens", MAX_TOKENS,
                    "--write-generations", saved.toString());
            assertEquals(0, r.exitCode(), r.err());
            List<String> texts = new ArrayList<>();
            for (String line : Files.readAllLines(saved)) {
                String g = JSON.readTree(line).get("generation").asText();
                texts.add(g.substring(g.lastIndexOf("### Response:\n") + "### Response:\n".length()).stripLeading());
            }
            answers.put(run.getKey(), texts);
        }
        int shorter = 0;
        for (int i = 0; i < answers.get("fixture").size(); i++) {
            String full = answers.get("fixture").get(i), cut = answers.get("space as EOS").get(i);
            assertTrue(full.startsWith(cut), cut + " | " + full);
            if (cut.length() < full.length()) {
                shorter++;
                assertTrue(full.substring(cut.length()).startsWith(" "), "cut at a space: " + cut + " | " + full);
            }
        }
        assertTrue(shorter > 0, "some answers went on past a space: " + answers);
    }

    // ---------------------------------------------------------------- the rules, on hand-made generations

    /** Writes records (instruction i, the given outputs) and their generations; returns the data file. */
    private static Path write(Path dir, String task, List<String> outputs, List<String> generations, List<String> instructions)
            throws IOException {
        Path folder = dir.resolve(task);
        Files.createDirectories(folder);
        ArrayNode records = JSON.createArrayNode();
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < outputs.size(); i++) {
            ObjectNode r = records.addObject();
            r.put("instruction", instructions == null ? "question " + i : instructions.get(i));
            r.put("input", "");
            r.put("output", outputs.get(i));
            lines.append(JSON.writeValueAsString(JSON.createObjectNode().put("generation", generations.get(i)))).append('\n');
        }
        Files.writeString(folder.resolve("test.json"), JSON.writeValueAsString(records));
        Files.writeString(folder.resolve("generations.jsonl"), lines);
        return folder.resolve("test.json");
    }

    private static CliRunner.Result score(Path data, String... more) {
        List<String> args = new ArrayList<>(List.of("eval", "--generations", data.resolveSibling("generations.jsonl").toString(),
                "--data", data.toString(), "--all-records"));
        args.addAll(List.of(more));
        return CliRunner.run(args.toArray(String[]::new));
    }

    @Test
    void theAnswerIsTheTasksOwnWordAfterTheLastResponseMarkerWithCommasRemoved(@TempDir Path dir) throws IOException {
        Path data = write(dir, "boolq",
                List.of("true", "### Response: true", "true", "false", "false", "true", "t,r,u,e", "answer1"),
                List.of("### Response:\n answer1 is true",          // boolq's words only: "answer1" is not one
                        "### Response: false ### Response: true",   // after the last marker; the gold is extracted the same way
                        "tr,ue",                                    // commas removed first
                        "no marker, the whole text: false",         // no marker: the whole text, no crash
                        "### Response: nothing",                    // nothing found: "" (against "false": wrong)
                        "### Response: TRUE",                       // case matters
                        "### Response: true",                       // the gold's commas go too
                        "### Response: something else"),            // gold without a boolq word is "", and "" == "" counts
                null);
        CliRunner.Result r = score(data, "--verbose");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(accuracyLine(6, 8), r.out());
        for (String expected : List.of("#0 predicted 'true', expected 'true'", "#4 predicted '', expected 'false'",
                "#5 predicted '', expected 'true'", "#7 predicted '', expected ''")) {
            assertTrue(r.err().contains(expected), r.err());
        }
        CliRunner.Result asArc = score(data, "--task", "arc-easy");
        assertEquals(accuracyLine(6, 8), asArc.out(), "arc-easy's words, answer1..5: record 0 predicts answer1 against '', "
                + "record 7 '' against answer1; the rest find none on either side");
    }

    @Test
    void duplicatePromptsKeepTheLastOutputInTheFirstPlaceAndTheFinalPartialBatchIsDropped(@TempDir Path dir) throws IOException {
        List<String> outputs = new ArrayList<>(), generations = new ArrayList<>(), instructions = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            instructions.add("question " + i);
            outputs.add("true");
            generations.add(i < 64 ? "### Response: true" : "### Response: false"); // the last six are wrong
        }
        // Record 70 repeats record 2's prompt with another output: record 2's place, record 70's output and generation.
        instructions.add("question 2");
        outputs.add("false");
        generations.add("### Response: false");
        Path data = write(dir, "boolq", outputs, generations, instructions);
        Path generationFile = data.resolveSibling("generations.jsonl");

        CliRunner.Result r = CliRunner.run("eval", "--generations", generationFile.toString(), "--data", data.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(accuracyLine(64, 64), r.out(), "70 distinct prompts: 64 scored, the six wrong ones dropped");
        assertTrue(r.err().contains("71 records, 1 duplicate prompts (the last of each kept), 64 scored, 6 dropped"), r.err());

        CliRunner.Result all = CliRunner.run("eval", "--generations", generationFile.toString(), "--data", data.toString(), "--all-records");
        assertEquals(accuracyLine(65, 71), all.out(), "every record, duplicates included");

        // Fewer than 64 distinct prompts: LoRI scores nothing; that is said, with the way out.
        Path few = write(dir.resolve("few"), "boolq", outputs.subList(0, 10), generations.subList(0, 10), instructions.subList(0, 10));
        CliRunner.Result none = CliRunner.run("eval", "--generations", few.resolveSibling("generations.jsonl").toString(),
                "--data", few.toString());
        assertEquals(2, none.exitCode());
        assertTrue(none.err().contains("10 records, 10 distinct prompts: fewer than one full batch of 64, which LoRI's loader "
                + "drops; --all-records scores them"), none.err());
    }

    @Test
    void badInputIsNamed(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("bad.jsonl");
        Files.writeString(data, "{\"instruction\": \"a\", \"output\": \"b\"}\n{\"instruction\": \"c\", \"output\": 3}\n");
        CliRunner.Result r = CliRunner.run("eval", "--model", ChatFixture.MODEL.toString(), "--data", data.toString(), "--task", "boolq");
        assertEquals(2, r.exitCode());
        assertEquals("error: " + data + ": line 2: field \"output\" must be a string, found number", r.err().strip());

        Path good = write(dir, "piqa", List.of("solution1", "solution2"), List.of("solution1", "solution1"), null);
        CliRunner.Result noTask = CliRunner.run("eval", "--generations", good.resolveSibling("generations.jsonl").toString(),
                "--data", data.toString(), "--all-records");
        assertTrue(noTask.err().contains("not in a folder named for one of LoRI's tasks (boolq, piqa, social_i_qa, "
                + "arc-challenge, arc-easy, openbookqa, hellaswag, winogrande): give --task"), noTask.err());
        CliRunner.Result wrongTask = score(good, "--task", "mnli");
        assertTrue(wrongTask.err().contains("--task mnli is not one of LoRI's tasks"), wrongTask.err());
        Files.writeString(good.resolveSibling("generations.jsonl"), "{\"generation\": \"solution1\"}\n");
        CliRunner.Result short_ = score(good);
        assertTrue(short_.err().contains("1 generations for the 2 records of " + good), short_.err());
        CliRunner.Result both = CliRunner.run("eval", "--model", ChatFixture.MODEL.toString(), "--generations",
                good.resolveSibling("generations.jsonl").toString(), "--data", good.toString());
        assertTrue(both.err().contains("give either --model or --generations, not both"), both.err());
    }

    @Test
    void helpShowsTheProtocolDefaults() {
        CliRunner.Result r = CliRunner.run("eval", "--help");
        assertEquals(0, r.exitCode());
        for (String expected : List.of("Default: 512", "--data=FILE", "--task=NAME", "--batch-size=N", "Default: 64", "--all-records",
                "--generations=FILE.jsonl")) {
            assertTrue(r.out().contains(expected), "missing " + expected + " in " + r.out());
        }
    }
}
