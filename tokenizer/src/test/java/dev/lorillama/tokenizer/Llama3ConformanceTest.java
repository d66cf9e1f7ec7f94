package dev.lorillama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Every record of the conformance corpus (over 1 MB of awkward text, see tools/tokenizer-corpus)
 * must give exactly the ids that two independent JS implementations of the Llama 3 tokenizer gave.
 */
class Llama3ConformanceTest {
    private final Tokenizer tokenizer = Llama3TestData.tokenizer();
    private final List<Llama3TestData.Record> corpus = Llama3TestData.corpus();

    @Test
    void corpusIsOverOneMegabyte() {
        assertTrue(Llama3TestData.corpusUtf8Bytes() > 1_000_000, "corpus bytes: " + Llama3TestData.corpusUtf8Bytes());
        assertTrue(corpus.stream().anyMatch(r -> r.ids() != r.ordinaryIds()), "some records contain special-token strings");
    }

    @Test
    void encodeGivesThePeerIdsOnTheWholeCorpus() {
        List<String> failures = new ArrayList<>();
        for (Llama3TestData.Record r : corpus) {
            int[] ids = tokenizer.encode(r.text());
            if (!Arrays.equals(r.ids(), ids)) failures.add(describe(r, r.ids(), ids));
        }
        if (!failures.isEmpty()) fail(failures.size() + " of " + corpus.size() + " records differ; first: " + failures.get(0));
    }

    @Test
    void encodeOrdinaryGivesThePeerIdsWithSpecialTokensAsPlainText() {
        List<String> failures = new ArrayList<>();
        for (Llama3TestData.Record r : corpus) {
            int[] ids = tokenizer.encodeOrdinary(r.text());
            if (!Arrays.equals(r.ordinaryIds(), ids)) failures.add(describe(r, r.ordinaryIds(), ids));
        }
        if (!failures.isEmpty()) fail(failures.size() + " of " + corpus.size() + " records differ; first: " + failures.get(0));
    }

    @Test
    void decodeOfEncodeGivesBackTheTextOnTheWholeCorpus() {
        for (Llama3TestData.Record r : corpus) {
            assertEquals(r.text(), tokenizer.decode(tokenizer.encode(r.text())), "record " + r.line());
            assertEquals(r.text(), tokenizer.decode(tokenizer.encodeOrdinary(r.text())), "record " + r.line());
        }
    }

    @Test
    void concurrentEncodeCallsGiveTheSameIds() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                results.add(pool.submit(() -> {
                    for (int i = offset; i < corpus.size(); i += 2) {
                        Llama3TestData.Record r = corpus.get(i);
                        if (!Arrays.equals(r.ids(), tokenizer.encode(r.text()))) return false;
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) assertTrue(f.get());
        } finally {
            pool.shutdown();
        }
    }

    private String describe(Llama3TestData.Record r, int[] expected, int[] actual) {
        int i = 0;
        while (i < Math.min(expected.length, actual.length) && expected[i] == actual[i]) i++;
        String text = r.text().length() > 120 ? r.text().substring(0, 120) + "..." : r.text();
        return "record " + r.line() + " " + escape(text) + ": first difference at id #" + i
                + ", expected " + slice(expected, i) + " but got " + slice(actual, i);
    }

    private static String slice(int[] ids, int at) {
        return Arrays.toString(Arrays.copyOfRange(ids, Math.max(0, at - 2), Math.min(ids.length, at + 4)));
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7F) b.appendCodePoint(c);
            else b.append(String.format("\\u{%X}", c));
        });
        return b.append('"').toString();
    }
}
