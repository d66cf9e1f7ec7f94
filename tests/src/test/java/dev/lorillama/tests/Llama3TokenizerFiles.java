package dev.lorillama.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The Llama 3 tokenizer files and conformance corpus that the tokenizer module keeps as test resources. */
public final class Llama3TokenizerFiles {
    private static final String DIR = "tokenizer/src/test/resources/llama3";

    /** One corpus record and the ids the JS peers recorded for it (special tokens recognised). */
    public record Record(String text, JsonNode ids) {}

    private Llama3TokenizerFiles() {}

    /** The directory, found from the working directory upwards (Maven runs tests in the module directory). */
    public static Path dir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve(DIR))) return p.resolve(DIR);
        }
        throw new IllegalStateException(DIR + " not found above " + Path.of("").toAbsolutePath());
    }

    public static Path tokenizerJson() {
        return dir().resolve("tokenizer.json.gz");
    }

    public static List<Record> corpus() {
        ObjectMapper json = new ObjectMapper();
        List<Record> records = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(dir().resolve("corpus-ids.jsonl.gz"))), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode r = json.readTree(line);
                records.add(new Record(r.get("text").asText(), r.get("ids")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return records;
    }
}
