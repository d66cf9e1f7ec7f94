package dev.lorillama.chat;

import dev.lorillama.lori.AdapterProfile;
import dev.lorillama.lori.MaskOverlap;
import dev.lorillama.runtime.model.Projection;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * The heatmaps of {@code adapter info --svg/--html}: one row per layer, one column per
 * projection, each cell a value in [0, 1] (B's density, or two masks' overlap) as a colour and as
 * text. It is the web page's Inspect picture (webui/js/heatmap.js) drawn in Java: same layout,
 * colours and texts, which the browser tests compare cell by cell.
 */
final class AdapterHeatmap {
    /**
     * A colour ramp from {@code from} (value 0) to {@code to} (value 1), each channel linear in
     * √value: LoRI-S keeps ~10% of B, and on a linear ramp 0.1 would hardly differ from 0.
     */
    record Ramp(int[] from, int[] to) {
        String color(double value) {
            double t = Math.sqrt(value);
            return "rgb(" + channel(0, t) + "," + channel(1, t) + "," + channel(2, t) + ")";
        }

        private long channel(int i, double t) {
            return Math.round(from[i] + (to[i] - from[i]) * t); // as JavaScript's Math.round for values >= 0
        }
    }

    static final Ramp DENSITY = new Ramp(new int[] {247, 251, 255}, new int[] {8, 48, 107}); // white to deep blue
    static final Ramp OVERLAP = new Ramp(new int[] {255, 245, 235}, new int[] {127, 39, 4}); // white to deep orange
    private static final int CELL_WIDTH = 76, CELL_HEIGHT = 22, LEFT = 64, TOP = 24, LEGEND_HEIGHT = 40, SWATCH = 48;

    /** One adapted projection's cell; the title is its tooltip. */
    record Cell(int layer, Projection projection, double value, String title) {}

    private AdapterHeatmap() {}

    static String densityCaption(AdapterProfile p) {
        return p.name() + ": density of B per layer and projection";
    }

    static List<Cell> densityCells(AdapterProfile p) {
        List<Cell> cells = new ArrayList<>();
        for (AdapterProfile.Module m : p.modules()) {
            cells.add(new Cell(m.layer(), m.projection(), m.bDensity(), "layer " + m.layer() + " " + m.projection().moduleName()
                    + ": B density " + fixed(m.bDensity(), 4) + " (" + m.bNonZeros() + " of " + m.bEntries() + " non-zero)"));
        }
        return cells;
    }

    static String overlapCaption(MaskOverlap o) {
        return o.first() + " and " + o.second() + ": overlap of B's non-zero entries per layer and projection";
    }

    static List<Cell> overlapCells(MaskOverlap o) {
        List<Cell> cells = new ArrayList<>();
        for (MaskOverlap.Module m : o.modules()) {
            cells.add(new Cell(m.layer(), m.projection(), m.jaccard(), "layer " + m.layer() + " " + m.projection().moduleName()
                    + ": overlap " + fixed(m.jaccard(), 4) + " (" + m.both() + " in both of " + m.union() + " in either)"));
        }
        return cells;
    }

    static String svg(String caption, int layers, List<Cell> cells, Ramp ramp) {
        Projection[] projections = Projection.values();
        int width = LEFT + projections.length * CELL_WIDTH, height = TOP + layers * CELL_HEIGHT + LEGEND_HEIGHT;
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" width=\"").append(width).append("\" height=\"").append(height).append("\" role=\"img\" aria-label=\"")
                .append(escape(caption)).append("\" class=\"heatmap\" font-family=\"sans-serif\" font-size=\"11\">\n");
        for (Projection p : projections) text(s, p.moduleName(), LEFT + p.ordinal() * CELL_WIDTH + CELL_WIDTH / 2, TOP - 8, "middle", "black");
        for (int layer = 0; layer < layers; layer++) {
            text(s, "layer " + layer, LEFT - 6, TOP + layer * CELL_HEIGHT + CELL_HEIGHT / 2 + 4, "end", "black");
        }
        for (Cell cell : cells) {
            int x = LEFT + cell.projection().ordinal() * CELL_WIDTH, y = TOP + cell.layer() * CELL_HEIGHT;
            s.append("<g class=\"cell\" data-layer=\"").append(cell.layer()).append("\" data-projection=\"")
                    .append(cell.projection().moduleName()).append("\">");
            s.append("<rect x=\"").append(x).append("\" y=\"").append(y).append("\" width=\"").append(CELL_WIDTH - 1)
                    .append("\" height=\"").append(CELL_HEIGHT - 1).append("\" fill=\"").append(ramp.color(cell.value()))
                    .append("\"><title>").append(escape(cell.title())).append("</title></rect>");
            text(s, fixed(cell.value(), 2), x + CELL_WIDTH / 2, y + CELL_HEIGHT / 2 + 4, "middle", cell.value() > 0.5 ? "white" : "black");
            s.append("</g>\n");
        }
        int legendY = TOP + layers * CELL_HEIGHT + 12; // legend: 0, 0.1, ..., 1
        for (int step = 0; step <= 10; step++) {
            int x = LEFT + step * SWATCH;
            s.append("<rect x=\"").append(x).append("\" y=\"").append(legendY).append("\" width=\"").append(SWATCH - 1)
                    .append("\" height=\"10\" fill=\"").append(ramp.color(step / 10.0)).append("\"/>");
            text(s, fixed(step / 10.0, 1), x + SWATCH / 2, legendY + 22, "middle", "black");
        }
        return s.append("</svg>\n").toString();
    }

    private static void text(StringBuilder s, String content, int x, int y, String anchor, String fill) {
        s.append("<text x=\"").append(x).append("\" y=\"").append(y).append("\" text-anchor=\"").append(anchor)
                .append("\" fill=\"").append(fill).append("\">").append(escape(content)).append("</text>");
    }

    /**
     * {@code value} with {@code digits} decimals, rounded half up from its exact binary value: what
     * JavaScript's {@code toFixed} prints (String.format rounds a shorter decimal, and can differ).
     */
    static String fixed(double value, int digits) {
        return new BigDecimal(value).setScale(digits, RoundingMode.HALF_UP).toPlainString();
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
