package dev.lorillama.chat;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.runtime.UserInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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

    private static final ObjectMapper JSON = new ObjectMapper();

    private EvalRecords() {}

    static List<EvalRecord> read(Path file) {
        List<EvalRecord> records = new ArrayList<>();
        for (Located l : jsonValues(file)) records.add(record(file, l.where(), l.node()));
        if (records.isEmpty()) throw new UserInputException(file + ": no records (expected a JSON array or JSON lines of {instruction, output})");
        return records;
    }

    /** A value of a JSON array or JSON-lines file, with where it is ("record 3", "line 4") for messages. */
    record Located(String where, JsonNode node) {}

    /** The values of a JSON array file, or of a JSON-lines file (blank lines skipped). */
    static List<Located> jsonValues(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new UserInputException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Located> values = new ArrayList<>();
        if (text.strip().startsWith("[")) {
            JsonNode array = parse(file, text, "the file");
            for (int i = 0; i < array.size(); i++) values.add(new Located("record " + i, array.get(i)));
        } else {
            String[] lines = text.split("\r?\n");
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank()) continue;
                values.add(new Located("line " + (i + 1), parse(file, lines[i], "line " + (i + 1))));
            }
        }
        return values;
    }

    private static JsonNode parse(Path file, String text, String where) {
        try {
            return JSON.readTree(text);
        } catch (JacksonException e) {
            throw new UserInputException(file + ": " + where + " is not valid JSON: " + e.getOriginalMessage());
        }
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
