package dev.lorillama.chat;

import static dev.lorillama.chat.AdapterHeatmap.escape;
import static dev.lorillama.chat.AdapterHeatmap.fixed;

import dev.lorillama.lori.AdapterProfile;
import dev.lorillama.lori.MaskOverlap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code adapter info --svg/--html} writes: the adapter's heatmap (and the overlap heatmap
 * with a second adapter), alone as SVG or with the numbers as an HTML page laid out like the web
 * page's Inspect view.
 */
final class AdapterReport {
    private static final Pattern SVG_SIZE = Pattern.compile("width=\"(\\d+)\" height=\"(\\d+)\"");

    private AdapterReport() {}

    static String densitySvg(AdapterProfile p) {
        return AdapterHeatmap.svg(AdapterHeatmap.densityCaption(p), p.baseLayers(), AdapterHeatmap.densityCells(p), AdapterHeatmap.DENSITY);
    }

    static String overlapSvg(MaskOverlap o) {
        return AdapterHeatmap.svg(AdapterHeatmap.overlapCaption(o), o.baseLayers(), AdapterHeatmap.overlapCells(o), AdapterHeatmap.OVERLAP);
    }

    /** The density heatmap; with an overlap, both pictures one above the other in one SVG. */
    static String svg(AdapterProfile p, MaskOverlap o) {
        String density = densitySvg(p);
        if (o == null) return density;
        String overlap = overlapSvg(o);
        int[] first = size(density), second = size(overlap);
        int width = Math.max(first[0], second[0]), height = first[1] + second[1];
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width + "\" height=\"" + height + "\">\n"
                + density.replaceFirst("<svg ", "<svg y=\"0\" ")
                + overlap.replaceFirst("<svg ", "<svg y=\"" + first[1] + "\" ") + "</svg>\n";
    }

    private static int[] size(String svg) {
        Matcher m = SVG_SIZE.matcher(svg);
        if (!m.find()) throw new IllegalStateException("no size in " + svg.substring(0, 80));
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    static String html(AdapterProfile p, MaskOverlap o) {
        StringBuilder h = new StringBuilder("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(escape(p.name())).append("</title>\n<style>body{font-family:system-ui,sans-serif;margin:1rem 2rem}"
                        + "dl{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem}dt{color:#5f6b76}dd{margin:0}</style>"
                        + "</head><body>\n");
        h.append("<h2>").append(escape(AdapterHeatmap.densityCaption(p))).append("</h2>\n");
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("rank", String.valueOf(p.rank()));
        facts.put("alpha", AdapterCommand.trim(p.alpha()));
        facts.put("scale", AdapterCommand.trim(p.scale()));
        facts.put("rsLoRA", String.valueOf(p.rslora()));
        facts.put("file bytes", String.valueOf(p.fileBytes()));
        facts.put("A entries", String.valueOf(p.aEntries()));
        facts.put("B entries", String.valueOf(p.bEntries()));
        facts.put("B non-zero", p.bNonZeros() + " (density " + fixed(p.bDensity(), 4) + ")");
        list(h, facts);
        h.append("<h3>B density per projection</h3>\n");
        Map<String, String> byProjection = new LinkedHashMap<>();
        p.bDensityByProjection().forEach((proj, d) -> byProjection.put(proj.moduleName(), fixed(d, 4)));
        list(h, byProjection);
        h.append(densitySvg(p));
        if (o != null) {
            h.append("<h2>").append(escape(AdapterHeatmap.overlapCaption(o))).append("</h2>\n");
            Map<String, String> overlap = new LinkedHashMap<>();
            overlap.put("non-zero in both", String.valueOf(o.both()));
            overlap.put("non-zero in either", String.valueOf(o.union()));
            overlap.put("overlap (both ÷ either)", fixed(o.jaccard(), 4));
            list(h, overlap);
            h.append(overlapSvg(o));
        }
        return h.append("</body></html>\n").toString();
    }

    private static void list(StringBuilder h, Map<String, String> pairs) {
        h.append("<dl>");
        pairs.forEach((term, value) -> h.append("<dt>").append(escape(term)).append("</dt><dd>").append(escape(value)).append("</dd>"));
        h.append("</dl>\n");
    }
}
