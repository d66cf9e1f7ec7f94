package dev.lorillama.train;

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

/** Record files as LoRI's tasks come: a JSON array, or JSON lines (blank lines skipped). Used by train and eval. */
public final class JsonRecords {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonRecords() {}

    /** A value of the file, with where it is ("record 3", "line 4") for messages. */
    public record Located(String where, JsonNode node) {}

    public static List<Located> values(Path file) {
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
}
