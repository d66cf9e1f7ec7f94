package dev.lorillama.runtime.format;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.lorillama.runtime.UserInputException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The one Jackson configuration every file we read goes through (config.json, tokenizer files,
 * safetensors headers, adapter configs, records): a key given twice is refused rather than the
 * last one silently winning, and nesting and number lengths are bounded so a hostile file cannot
 * exhaust the stack or the CPU. Errors name the file and a line/column, never Jackson's
 * "Source: REDACTED" text.
 */
public final class StrictJson {
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(64).build())
                    .build())
            .build();

    private StrictJson() {}

    /** The parsed file; {@code expected} says what it should be, e.g. "a JSON object (Hugging Face config.json)". */
    public static JsonNode read(Path file, String expected) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserInputException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new UserInputException(file + ": permission denied");
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        return parse(bytes, file.toString(), expected);
    }

    /** Parses {@code bytes} (UTF-8 JSON) read from {@code where}; the result is never null or missing. */
    public static JsonNode parse(byte[] bytes, String where, String expected) {
        JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (CharacterCodingException e) {
            throw new UserInputException(where + ": not UTF-8 text (expected " + expected + ")");
        } catch (JacksonException e) {
            throw new UserInputException(where + ": " + at(e) + "not valid JSON (expected " + expected + "): " + reason(e));
        } catch (IOException e) {
            throw new UserInputException(where + ": cannot be read (" + e.getMessage() + ")");
        }
        if (root == null || root.isMissingNode()) throw new UserInputException(where + ": empty (expected " + expected + ")");
        return root;
    }

    /** Jackson's message without the location text it appends ("Source: REDACTED ...; line: 1, column: 2]"). */
    public static String reason(JacksonException e) {
        String m = e.getOriginalMessage();
        if (m == null) return e.getClass().getSimpleName();
        return m.replaceAll("\\s*\\((start marker at )?\\[Source: .*?\\]\\)", "").replaceAll("\\s*at \\[Source: .*", "").strip();
    }

    private static String at(JacksonException e) {
        JsonLocation l = e.getLocation();
        return l == null || l.getLineNr() < 1 ? "" : "line " + l.getLineNr() + ", column " + l.getColumnNr() + ": ";
    }
}
