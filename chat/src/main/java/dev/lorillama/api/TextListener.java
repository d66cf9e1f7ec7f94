package dev.lorillama.api;

/**
 * Receives a reply as it is generated, in pieces of text. Pieces are whole UTF-8 characters
 * (a character split over several tokens arrives once complete), never contain a stop string or a
 * special token, and concatenated equal {@link Reply#text()}.
 */
@FunctionalInterface
public interface TextListener {
    TextListener NONE = piece -> {};

    void onText(String piece);
}
