package dev.lorillama.hub;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A repository on the hub as users write it: {@code ORG/NAME}, or {@code ORG/NAME:TYPE} for the
 * GGUF file of one quantization type in a repository that has several (as llama.cpp's {@code -hf}
 * and ollama read it), e.g. {@code bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M}.
 *
 * @param tag the file type, or null
 */
public record HubName(String repo, String tag) {
    // the hub's rules: letters, digits, '-', '_', '.'; neither part starts with '-' or '.'
    private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*)(?::([A-Za-z0-9._-]+))?");

    /**
     * Whether {@code spec} names a repository on the hub rather than a local file: it has the form
     * {@code ORG/NAME[:TYPE]} and no file or directory of that name exists here.
     */
    public static boolean isHubName(String spec) {
        if (spec == null || !NAME.matcher(spec).matches()) return false;
        try {
            return !Files.exists(Path.of(spec));
        } catch (InvalidPathException notAPath) {
            return true;
        }
    }

    public static HubName parse(String spec) {
        Matcher m = NAME.matcher(spec);
        if (!m.matches()) throw new HubException("'" + spec + "' is not a Hugging Face repository name (ORG/NAME or ORG/NAME:TYPE)");
        return new HubName(m.group(1), m.group(2));
    }

    /** The repository's own name, without the organisation: what an adapter is called by default. */
    public String shortName() {
        return repo.substring(repo.indexOf('/') + 1);
    }

    @Override
    public String toString() {
        return tag == null ? repo : repo + ":" + tag;
    }
}
