package dev.lorillama.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which files of a repository make what we load: a Hugging Face checkpoint (config, tokenizer,
 * safetensors), one GGUF file, or a PEFT adapter; and whether a cached snapshot already has them.
 */
enum RepoLayout {
    MODEL,
    ADAPTER;

    /** The GGUF type picked when a repository has several and the name gives none, as llama.cpp's -hf does. */
    static final String DEFAULT_GGUF_TYPE = "Q4_K_M";
    private static final List<String> CHECKPOINT_EXTRAS = List.of("generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "model.safetensors.index.json");
    private static final Pattern SPLIT_GGUF = Pattern.compile("(?i).*-\\d{5}-of-\\d{5}\\.gguf");

    /**
     * The files to fetch and what to load: {@code entry} is the one GGUF file, or null for the
     * snapshot folder itself (a checkpoint or adapter directory).
     */
    record Wanted(List<String> files, String entry) {}

    Wanted choose(HubName name, List<String> files) {
        return this == ADAPTER ? adapter(name, files) : model(name, files);
    }

    private static Wanted adapter(HubName name, List<String> files) {
        if (name.tag() != null) throw new HubException(name + ": an adapter repository has no file types; drop ':" + name.tag() + "'");
        if (!files.contains("adapter_config.json")) {
            throw new HubException(name.repo() + " is not a PEFT adapter: it has no adapter_config.json (files: " + sample(files) + ")");
        }
        if (!files.contains("adapter_model.safetensors")) {
            throw new HubException(name.repo() + " has no adapter_model.safetensors" + (files.contains("adapter_model.bin")
                    ? " (only adapter_model.bin, a pickle, which lorillama does not read; convert it to safetensors)" : ""));
        }
        return new Wanted(List.of("adapter_config.json", "adapter_model.safetensors"), null);
    }

    private static Wanted model(HubName name, List<String> files) {
        List<String> ggufs = files.stream().filter(f -> f.toLowerCase(Locale.ROOT).endsWith(".gguf")).toList();
        if (name.tag() != null) {
            String file = gguf(name, name.tag(), ggufs);
            return new Wanted(List.of(file), file);
        }
        boolean checkpoint = files.contains("config.json") && files.stream().anyMatch(f -> !f.contains("/") && f.endsWith(".safetensors"));
        if (checkpoint) {
            List<String> wanted = new ArrayList<>(List.of("config.json"));
            for (String extra : CHECKPOINT_EXTRAS) if (files.contains(extra)) wanted.add(extra);
            if (!files.contains("tokenizer.json") && files.contains("tokenizer.model")) wanted.add("tokenizer.model");
            files.stream().filter(f -> !f.contains("/") && f.endsWith(".safetensors")).sorted().forEach(wanted::add);
            return new Wanted(wanted, null);
        }
        if (ggufs.size() == 1) return new Wanted(ggufs, ggufs.get(0));
        if (!ggufs.isEmpty()) {
            String file = gguf(name, DEFAULT_GGUF_TYPE, ggufs);
            return new Wanted(List.of(file), file);
        }
        throw new HubException(name.repo() + " has neither a Hugging Face checkpoint (config.json and *.safetensors) nor a GGUF file (files: "
                + sample(files) + ")");
    }

    /** The GGUF file of one type: its name has the type between separators, e.g. Llama-3.2-1B-Instruct-Q4_K_M.gguf. */
    private static String gguf(HubName name, String type, List<String> ggufs) {
        if (ggufs.isEmpty()) throw new HubException(name.repo() + " has no GGUF files, so ':" + type + "' picks nothing; name the repository alone");
        Pattern ofType = Pattern.compile("(?i)(?:.*[-_./])?" + Pattern.quote(type) + "(?:[-_.].*)?\\.gguf");
        List<String> matching = ggufs.stream().filter(f -> ofType.matcher(f).matches()).toList();
        if (matching.isEmpty()) {
            throw new HubException(name.repo() + " has no GGUF file of type " + type + "; name one of its types as " + name.repo()
                    + ":TYPE (types: " + String.join(", ", types(ggufs)) + ")");
        }
        if (matching.stream().anyMatch(f -> SPLIT_GGUF.matcher(f).matches())) {
            throw new HubException(name.repo() + ": the " + type + " model is split into " + matching.size() + " files (" + matching.get(0)
                    + ", ...), which lorillama does not read; merge them with llama.cpp's llama-gguf-split --merge");
        }
        if (matching.size() > 1) {
            throw new HubException(name.repo() + ": several GGUF files are of type " + type + " (" + String.join(", ", matching)
                    + "); lorillama cannot tell which one you mean");
        }
        return matching.get(0);
    }

    /** The type part of GGUF names (what follows the last '-' or '.'), for error messages. */
    private static Set<String> types(List<String> ggufs) {
        Set<String> types = new LinkedHashSet<>();
        for (String f : ggufs) {
            String stem = f.substring(f.lastIndexOf('/') + 1, f.length() - ".gguf".length()).replaceAll("-\\d{5}-of-\\d{5}$", "");
            types.add(stem.substring(Math.max(stem.lastIndexOf('-'), stem.lastIndexOf('.')) + 1));
        }
        return types;
    }

    /** Whether a cached snapshot holds everything {@code wanted} needs (a sharded checkpoint: every shard its index names). */
    static boolean complete(Path snapshot, Wanted wanted) {
        for (String f : wanted.files()) if (!Files.isRegularFile(snapshot.resolve(f))) return false;
        if (wanted.entry() != null || !wanted.files().contains("config.json")) return true;
        if (!wanted.files().contains("tokenizer.json") && !wanted.files().contains("tokenizer.model")) return false;
        Path index = snapshot.resolve("model.safetensors.index.json");
        if (!Files.isRegularFile(index)) return Files.isRegularFile(snapshot.resolve("model.safetensors"));
        try {
            JsonNode map = new ObjectMapper().readTree(index.toFile()).path("weight_map");
            for (JsonNode shard : map) if (!Files.isRegularFile(snapshot.resolve(shard.asText()))) return false;
            return true;
        } catch (IOException unreadable) {
            return false; // fetch it again
        }
    }

    private static String sample(List<String> files) {
        if (files.isEmpty()) return "none";
        return files.size() <= 8 ? String.join(", ", files) : String.join(", ", files.subList(0, 8)) + ", ...";
    }
}
