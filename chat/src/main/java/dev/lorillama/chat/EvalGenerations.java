package dev.lorillama.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.train.JsonRecords;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.runtime.UserInputException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Generations made elsewhere, or saved by {@code eval --write-generations}: JSON lines, one object
 * per record of the data file in file order, each with a {@code generation} string — the text
 * LoRI's scorer reads (the prompt and the answer, or the answer alone: the answer words are
 * looked for after the last "### Response:", or in all of it). A record that is not scored may
 * have {@code null}.
 */
final class EvalGenerations {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EvalGenerations() {}

    /** The generation of every record; null where the file has none. */
    static List<String> read(Path file, int records, Path data) {
        List<JsonRecords.Located> values = JsonRecords.values(file, "{\"generation\": ...}");
        if (values.size() != records) {
            throw new UserInputException(file + ": " + values.size() + " generations for the " + records + " records of " + data
                    + " (one JSON object {\"generation\": ...} per record, in the same order)");
        }
        List<String> texts = new ArrayList<>();
        for (JsonRecords.Located v : values) {
            var g = v.node().get("generation");
            if (!v.node().isObject() || g == null || !(g.isTextual() || g.isNull())) {
                throw new UserInputException(file + ": " + v.where() + ": field \"generation\" must be a string, found "
                        + (g == null ? "nothing" : g.getNodeType().toString().toLowerCase(Locale.ROOT)));
            }
            texts.add(g.isNull() ? null : g.asText());
        }
        return texts;
    }

    /** Writes one line per record: its generation (null if not scored), and the predicted and gold answers. */
    static void write(Path file, List<Line> lines) {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Line l : lines) {
                ObjectNode o = JSON.createObjectNode();
                o.put("generation", l.generation());
                if (l.generation() != null) {
                    o.put("predicted", l.predicted());
                    o.put("gold", l.gold());
                }
                out.write(JSON.writeValueAsString(o));
                out.newLine();
            }
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot write the generations: " + e.getMessage());
        }
    }

    record Line(String generation, String predicted, String gold) {}
}
