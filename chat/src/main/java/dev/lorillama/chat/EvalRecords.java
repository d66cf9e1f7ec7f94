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

/** Reads evaluation records {instruction, output, answer} from a JSON array or from JSON lines. */
final class EvalRecords {
    record EvalRecord(String instruction, String answer) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private EvalRecords() {}

    static List<EvalRecord> read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new UserInputException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<EvalRecord> records = new ArrayList<>();
        if (text.strip().startsWith("[")) {
            JsonNode array = parse(file, text, "the file");
            for (int i = 0; i < array.size(); i++) records.add(record(file, "record " + i, array.get(i)));
        } else {
            String[] lines = text.split("\r?\n");
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank()) continue;
                records.add(record(file, "line " + (i + 1), parse(file, lines[i], "line " + (i + 1))));
            }
        }
        if (records.isEmpty()) throw new UserInputException(file + ": no records (expected a JSON array or JSON lines of {instruction, output, answer})");
        return records;
    }

    private static JsonNode parse(Path file, String text, String where) {
        try {
            return JSON.readTree(text);
        } catch (JacksonException e) {
            throw new UserInputException(file + ": " + where + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static EvalRecord record(Path file, String where, JsonNode node) {
        return new EvalRecord(field(file, where, node, "instruction"), field(file, where, node, "answer"));
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
