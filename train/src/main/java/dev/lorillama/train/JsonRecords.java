package dev.lorillama.train;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.StrictJson;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Record files as LoRI's tasks come: a JSON array, or JSON lines (blank lines skipped). Used by
 * train and eval. Strict: duplicate keys are refused, and every error names the file, the record
 * or line, and the shape of record expected ({@code recordShape}, e.g. "{instruction, output}").
 */
public final class JsonRecords {
    private static final ObjectMapper JSON = StrictJson.MAPPER;

    private JsonRecords() {}

    /** A value of the file, with where it is ("record 3", "line 4") for messages. */
    public record Located(String where, JsonNode node) {}

    /** The file's values, at least one; {@code recordShape} says in errors what a record should look like. */
    public static List<Located> values(Path file, String recordShape) {
        String expected = "expected a JSON array or JSON lines of " + recordShape;
        String text = text(file, expected);
        List<Located> values = new ArrayList<>();
        if (text.strip().startsWith("[")) {
            JsonNode array = parse(file, text, "the file", expected);
            for (int i = 0; i < array.size(); i++) values.add(new Located("record " + i, array.get(i)));
        } else {
            String[] lines = text.split("\r?\n");
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank()) continue;
                values.add(new Located("line " + (i + 1), parse(file, lines[i], "line " + (i + 1), expected)));
            }
        }
        if (values.isEmpty()) throw new UserInputException(file + ": no records (" + expected + ")");
        return values;
    }

    private static String text(Path file, String expected) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new UserInputException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new UserInputException(file + ": permission denied");
        } catch (CharacterCodingException e) {
            throw new UserInputException(file + ": not UTF-8 text (" + expected + ")");
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    private static JsonNode parse(Path file, String text, String where, String expected) {
        try {
            return JSON.readTree(text);
        } catch (JsonEOFException e) {
            if (where.startsWith("line ")) {
                throw new UserInputException(file + ": " + where + ": the record does not end on its line (JSON lines hold one "
                        + "whole record per line; a record written over several lines goes in a JSON array)");
            }
            throw new UserInputException(file + ": the JSON array is not closed (" + expected + ")");
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            boolean located = at != null && at.getLineNr() > 0;
            String line = where.startsWith("line ") || !located ? where : "line " + at.getLineNr();
            throw new UserInputException(file + ": " + line + (located ? ", column " + at.getColumnNr() : "")
                    + ": not valid JSON (" + expected + "): " + StrictJson.reason(e));
        }
    }
}
