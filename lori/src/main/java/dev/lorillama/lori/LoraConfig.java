package dev.lorillama.lori;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.StrictJson;
import dev.lorillama.runtime.model.Projection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A PEFT {@code adapter_config.json} for a LoRA (LoRI is LoRA with a frozen A and a sparse B),
 * validated: anything we cannot apply exactly as PEFT does is refused with the reason.
 */
public record LoraConfig(
        Path file,
        int rank,
        double alpha,
        boolean useRslora,
        Set<Projection> targets,
        Pattern targetRegex,
        Map<String, Integer> rankPattern,
        Map<String, Double> alphaPattern,
        Set<Integer> layersToTransform) {

    /** Rank and scale that one module gets after rank_pattern / alpha_pattern. */
    public record ModuleScaling(int rank, double alpha, double scale) {}

    public static LoraConfig read(Path file) {
        if (!Files.isRegularFile(file)) throw new UserInputException(file + ": no such file (an adapter needs adapter_config.json)");
        JsonNode root = StrictJson.read(file, "a JSON object (PEFT adapter_config.json)");
        if (!root.isObject()) throw new UserInputException(file + ": not a JSON object");
        String where = file.toString();
        String peftType = root.path("peft_type").asText("LORA");
        if (!peftType.equals("LORA")) throw new UserInputException(where + ": peft_type \"" + peftType + "\" is not supported (only LORA)");
        if (root.path("use_dora").asBoolean(false)) throw new UserInputException(where + ": use_dora=true (DoRA) is not supported");
        String bias = root.path("bias").asText("none");
        if (!bias.equals("none")) throw new UserInputException(where + ": bias \"" + bias + "\" is not supported (only \"none\")");
        if (root.path("fan_in_fan_out").asBoolean(false)) throw new UserInputException(where + ": fan_in_fan_out=true is not supported (Llama uses nn.Linear)");
        if (!root.path("layer_replication").isMissingNode() && !root.path("layer_replication").isNull()) {
            throw new UserInputException(where + ": layer_replication is not supported");
        }
        int rank = positiveInt(root, "r", where);
        double alpha = root.has("lora_alpha") ? positiveNumber(root.get("lora_alpha"), "lora_alpha", where) : 8;

        Set<Projection> targets = new TreeSet<>();
        Pattern targetRegex = null;
        JsonNode tm = root.get("target_modules");
        if (tm == null || tm.isNull()) {
            throw new UserInputException(where + ": missing field target_modules");
        } else if (tm.isTextual()) {
            try {
                targetRegex = Pattern.compile(tm.asText());
            } catch (PatternSyntaxException e) {
                throw new UserInputException(where + ": target_modules regex \"" + tm.asText() + "\" is invalid: " + e.getDescription());
            }
            for (Projection p : Projection.values()) targets.add(p); // refined per module path by the regex
        } else if (tm.isArray()) {
            for (JsonNode n : tm) {
                String name = n.asText();
                Projection p = Projection.byModuleName(name).orElseThrow(() -> new UserInputException(where
                        + ": target module \"" + name + "\" is not supported (Llama projections: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)"));
                targets.add(p);
            }
        } else {
            throw new UserInputException(where + ": target_modules must be a list or a regex string, found " + tm);
        }

        Map<String, Integer> rankPattern = new LinkedHashMap<>();
        root.path("rank_pattern").fields().forEachRemaining(e -> rankPattern.put(e.getKey(),
                positiveIntValue(e.getValue(), "rank_pattern." + e.getKey(), where)));
        Map<String, Double> alphaPattern = new LinkedHashMap<>();
        root.path("alpha_pattern").fields().forEachRemaining(e -> alphaPattern.put(e.getKey(),
                positiveNumber(e.getValue(), "alpha_pattern." + e.getKey(), where)));

        Set<Integer> layers = null;
        JsonNode ltt = root.get("layers_to_transform");
        if (ltt != null && !ltt.isNull()) {
            layers = new TreeSet<>();
            if (ltt.isInt()) layers.add(ltt.asInt());
            else if (ltt.isArray()) for (JsonNode n : ltt) layers.add(positiveOrZeroInt(n, "layers_to_transform", where));
            else throw new UserInputException(where + ": layers_to_transform must be an integer or a list, found " + ltt);
        }
        return new LoraConfig(file, rank, alpha, root.path("use_rslora").asBoolean(false), targets, targetRegex,
                rankPattern, alphaPattern, layers);
    }

    /** Whether PEFT would wrap the module at {@code modulePath} (e.g. model.layers.3.self_attn.q_proj). */
    public boolean targets(Projection p, int layer) {
        if (layersToTransform != null && !layersToTransform.contains(layer)) return false;
        if (targetRegex != null) return targetRegex.matcher(p.modulePath(layer)).matches();
        return targets.contains(p);
    }

    /**
     * PEFT 0.12: the first key of rank_pattern then alpha_pattern such that
     * {@code re.match(".*\." + key + "$", modulePath)} picks r and alpha; else the defaults.
     */
    public ModuleScaling scalingFor(String modulePath) {
        List<String> keys = new ArrayList<>(rankPattern.keySet());
        keys.addAll(alphaPattern.keySet());
        int r = rank;
        double a = alpha;
        for (String key : keys) {
            if (Pattern.compile(".*\\." + key + "$").matcher(modulePath).lookingAt()) {
                r = rankPattern.getOrDefault(key, rank);
                a = alphaPattern.getOrDefault(key, alpha);
                break;
            }
        }
        double scale = useRslora ? a / Math.sqrt(r) : a / r;
        return new ModuleScaling(r, a, scale);
    }

    private static int positiveInt(JsonNode root, String field, String where) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) throw new UserInputException(where + ": missing field " + field);
        return positiveIntValue(n, field, where);
    }

    private static int positiveIntValue(JsonNode n, String field, String where) {
        if (!n.isIntegralNumber() || n.asInt() <= 0) throw new UserInputException(where + ": field " + field + " must be a positive integer, found " + n);
        return n.asInt();
    }

    private static int positiveOrZeroInt(JsonNode n, String field, String where) {
        if (!n.isIntegralNumber() || n.asInt() < 0) throw new UserInputException(where + ": field " + field + " must hold layer indices, found " + n);
        return n.asInt();
    }

    private static double positiveNumber(JsonNode n, String field, String where) {
        if (!n.isNumber() || !(n.asDouble() > 0)) throw new UserInputException(where + ": field " + field + " must be a positive number, found " + n);
        return n.asDouble();
    }
}
