package dev.lorillama.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.train.JsonRecords;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads evaluation records from a JSON array (LoRI's {@code tasks/<task>/test.json}) or from JSON
 * lines: each needs {@code instruction} and {@code output} (the gold answer is extracted from the
 * output, as LoRI does; other fields such as {@code input} and {@code answer} are not used).
 */
final class EvalRecords {
    record EvalRecord(String instruction, String output) {}

    private EvalRecords() {}

    static List<EvalRecord> read(Path file) {
        List<EvalRecord> records = new ArrayList<>();
        for (JsonRecords.Located l : JsonRecords.values(file, "{instruction, output}")) records.add(record(file, l.where(), l.node()));
        return records;
    }

    private static EvalRecord record(Path file, String where, JsonNode node) {
        if (!node.isObject()) throw new UserInputException(file + ": " + where + " must be a JSON object {instruction, output}");
        return new EvalRecord(field(file, where, node, "instruction"), field(file, where, node, "output"));
    }

    private static String field(Path file, String where, JsonNode node, String name) {
        JsonNode value = node.get(name);
        if (value == null || !value.isTextual()) {
            throw new UserInputException(file + ": " + where + ": field \"" + name + "\" must be a string, found "
                    + (value == null ? "nothing" : value.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        return value.asText();
    }
}
