package dev.lorillama.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The real Llama 3 tokenizer and the conformance corpus, loaded once per test JVM. */
final class Llama3TestData {
    /** One corpus record: the text and the ids the JS peers gave, with and without special tokens. */
    record Record(int line, String text, int[] ids, int[] ordinaryIds) {}

    private static Tokenizer tokenizer;
    private static List<Record> corpus;

    private Llama3TestData() {}

    static Path dir() {
        try {
            return Path.of(Llama3TestData.class.getResource("/llama3/tokenizer_config.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path tokenizerJson() {
        return dir().resolve("tokenizer.json.gz");
    }

    static synchronized Tokenizer tokenizer() {
        if (tokenizer == null) tokenizer = Tokenizer.load(tokenizerJson());
        return tokenizer;
    }

    static synchronized List<Record> corpus() {
        if (corpus == null) corpus = readCorpus(dir().resolve("corpus-ids.jsonl.gz"));
        return corpus;
    }

    static List<Record> readCorpus(Path file) {
        ObjectMapper json = new ObjectMapper();
        List<Record> records = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                JsonNode r = json.readTree(line);
                int[] ids = ids(r.get("ids"));
                int[] ordinary = r.has("ordinaryIds") ? ids(r.get("ordinaryIds")) : ids;
                records.add(new Record(n, r.get("text").asText(), ids, ordinary));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return records;
    }

    private static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = array.get(i).asInt();
        return ids;
    }

    static long corpusUtf8Bytes() {
        long n = 0;
        for (Record r : corpus()) n += r.text().getBytes(StandardCharsets.UTF_8).length;
        return n;
    }
}
