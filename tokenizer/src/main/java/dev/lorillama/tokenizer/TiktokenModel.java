package dev.lorillama.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads Meta's tiktoken-format {@code tokenizer.model}: one "base64-bytes rank" line per token,
 * the rank being both the token id and its merge priority. tiktoken merges the adjacent pair whose
 * joined bytes have the lowest rank, so every way of splitting a token into two tokens becomes a
 * merge rule ranked by the joined token. The special tokens are Llama 3's, numbered after the ranks.
 */
final class TiktokenModel {
    /** Ranks run 0..n-1 without gaps; Llama 3 has 128,000. A larger rank is a corrupt line, not a reason to allocate. */
    static final int MAX_RANKS = 1 << 22;

    private TiktokenModel() {}

    static TokenizerParts read(Path file) {
        refuseBinary(file);
        List<byte[]> byRank = new ArrayList<>();
        try (InputStream in = TokenizerFiles.open(file);
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1))) {
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) continue;
                parseLine(file, lineNumber, line, byRank);
            }
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (byRank.isEmpty()) throw TokenizerException.field(file, "content", "lines of 'base64-token rank' (tiktoken BPE)", "an empty file");
        for (int rank = 0; rank < byRank.size(); rank++) {
            if (byRank.get(rank) == null) throw TokenizerException.field(file, "rank " + rank, "every rank from 0 to " + (byRank.size() - 1), "no line with this rank");
        }
        byte[][] tokenBytes = byRank.toArray(new byte[0][]);
        MergeTable merges = mergesFromRanks(tokenBytes);

        List<AddedToken> added = new ArrayList<>();
        List<String> names = Llama3SpecialTokens.names();
        for (int i = 0; i < names.size(); i++) added.add(new AddedToken(names.get(i), tokenBytes.length + i, true));
        int bos = tokenBytes.length; // <|begin_of_text|>
        return new TokenizerParts(file.toString(), tokenBytes, merges, true, added, bos, List.of());
    }

    private static void parseLine(Path file, int lineNumber, String line, List<byte[]> byRank) {
        int space = line.indexOf(' ');
        byte[] bytes;
        int rank;
        try {
            if (space <= 0 || line.indexOf(' ', space + 1) >= 0) throw new IllegalArgumentException();
            bytes = Base64.getDecoder().decode(line.substring(0, space));
            rank = Integer.parseInt(line.substring(space + 1).trim());
            if (rank < 0 || rank >= MAX_RANKS) throw new IllegalArgumentException();
        } catch (IllegalArgumentException e) {
            throw TokenizerException.field(file, "line " + lineNumber, "'base64-token rank' (a tiktoken BPE file such as Llama 3's tokenizer.model)",
                    describe(line));
        }
        while (byRank.size() <= rank) byRank.add(null);
        if (byRank.get(rank) != null) throw TokenizerException.field(file, "line " + lineNumber, "a rank not used before", "rank " + rank + " again");
        byRank.set(rank, bytes);
    }

    /** Every split of a token into two tokens, ranked by the joined token (lowest rank merges first). */
    static MergeTable mergesFromRanks(byte[][] tokenBytes) {
        BytesToId ids = new BytesToId(tokenBytes);
        MergeTable merges = new MergeTable(tokenBytes.length * 4);
        for (int rank = 0; rank < tokenBytes.length; rank++) {
            byte[] t = tokenBytes[rank];
            for (int split = 1; split < t.length; split++) {
                int left = ids.get(t, 0, split);
                if (left < 0) continue;
                int right = ids.get(t, split, t.length);
                if (right >= 0) merges.putIfAbsent(left, right, rank, rank);
            }
        }
        return merges;
    }

    private static String describe(String line) {
        String shown = line.length() > 60 ? line.substring(0, 60) + "..." : line;
        StringBuilder b = new StringBuilder("'");
        for (char c : shown.toCharArray()) b.append(c < 0x20 || c > 0x7E ? '?' : c);
        return b.append('\'').toString();
    }

    /** A tiktoken file is ASCII text; binary data here is most likely a SentencePiece (Llama 2) model. */
    private static void refuseBinary(Path file) {
        byte[] head;
        try (InputStream in = TokenizerFiles.open(file)) {
            head = in.readNBytes(256);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e.getMessage(), e);
        }
        for (byte b : head) {
            if ((b < 0x20 && b != '\n' && b != '\r' && b != '\t') || b > 0x7E || b < 0) {
                throw TokenizerException.field(file, "content", "a tiktoken BPE text file ('base64-token rank' lines, as Llama 3's tokenizer.model)",
                        "binary data: a SentencePiece model (as Llama 2's tokenizer.model), which lorillama does not support");
            }
        }
    }
}
