package dev.lorillama.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.api.Llama;
import dev.lorillama.lori.AdapterProfile;
import dev.lorillama.lori.MaskOverlap;
import dev.lorillama.runtime.model.Projection;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /v1/adapters/{name}}: an adapter's rank, alpha, scale, bytes and the density of B per
 * layer × projection; {@code GET /v1/adapters/{name}/overlap/{other}}: where two adapters' B
 * masks meet. The web page's Inspect view draws both as heatmaps. Each answer reads every B once,
 * so it is computed on first request and kept (adapters never change while serving).
 */
final class AdapterInspector {
    private final Llama llama;
    private final Map<String, String> profiles = new ConcurrentHashMap<>();
    private final Map<List<String>, String> overlaps = new ConcurrentHashMap<>();

    AdapterInspector(Llama llama) {
        this.llama = llama;
    }

    void profile(Context ctx) {
        String name = loaded(ctx.pathParam("name"), "name");
        json(ctx, profiles.computeIfAbsent(name, n -> write(profileJson(AdapterProfile.of(llama.adapter(n), layers())))));
    }

    void overlap(Context ctx) {
        String first = loaded(ctx.pathParam("name"), "name"), second = loaded(ctx.pathParam("other"), "other");
        json(ctx, overlaps.computeIfAbsent(List.of(first, second), key ->
                write(overlapJson(MaskOverlap.of(llama.adapter(first), llama.adapter(second), layers())))));
    }

    private String loaded(String name, String param) {
        if (!llama.adapterNames().contains(name)) {
            throw new ApiError(404, "invalid_request_error", param, "adapter_not_found", "No adapter '" + name + "' is loaded; this server has: "
                    + (llama.adapterNames().isEmpty() ? "none" : String.join(", ", llama.adapterNames())));
        }
        return name;
    }

    private int layers() {
        return llama.config().numLayers();
    }

    static ObjectNode profileJson(AdapterProfile p) {
        ObjectNode o = OpenAiJson.MAPPER.createObjectNode();
        o.put("object", "adapter");
        o.put("id", p.name());
        o.put("rank", p.rank());
        o.put("alpha", p.alpha());
        o.put("scale", p.scale());
        o.put("rslora", p.rslora());
        o.put("file_bytes", p.fileBytes());
        o.put("a_entries", p.aEntries());
        o.put("b_entries", p.bEntries());
        o.put("b_nonzero", p.bNonZeros());
        o.put("b_density", p.bDensity());
        gridShape(o, p.baseLayers());
        ObjectNode byProjection = o.putObject("b_density_by_projection");
        p.bDensityByProjection().forEach((proj, d) -> byProjection.put(proj.moduleName(), d));
        ArrayNode modules = o.putArray("modules");
        for (AdapterProfile.Module m : p.modules()) {
            modules.addObject().put("layer", m.layer()).put("projection", m.projection().moduleName()).put("rank", m.rank())
                    .put("scale", m.scale()).put("b_entries", m.bEntries()).put("b_nonzero", m.bNonZeros()).put("b_density", m.bDensity());
        }
        return o;
    }

    static ObjectNode overlapJson(MaskOverlap overlap) {
        ObjectNode o = OpenAiJson.MAPPER.createObjectNode();
        o.put("object", "adapter.overlap");
        o.put("first", overlap.first());
        o.put("second", overlap.second());
        o.put("both", overlap.both());
        o.put("union", overlap.union());
        o.put("jaccard", overlap.jaccard());
        gridShape(o, overlap.baseLayers());
        ArrayNode modules = o.putArray("modules");
        for (MaskOverlap.Module m : overlap.modules()) {
            modules.addObject().put("layer", m.layer()).put("projection", m.projection().moduleName()).put("entries", m.entries())
                    .put("first_nonzero", m.firstNonZeros()).put("second_nonzero", m.secondNonZeros()).put("both", m.both())
                    .put("union", m.union()).put("jaccard", m.jaccard());
        }
        return o;
    }

    /** The heatmap's rows (the base model's layers) and columns (the seven projections, in the model's order). */
    private static void gridShape(ObjectNode o, int layers) {
        o.put("layers", layers);
        ArrayNode projections = o.putArray("projections");
        for (Projection p : Projection.values()) projections.add(p.moduleName());
    }

    private static String write(ObjectNode json) {
        try {
            return OpenAiJson.MAPPER.writeValueAsString(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void json(Context ctx, String body) {
        ctx.contentType("application/json").result(body);
    }
}
