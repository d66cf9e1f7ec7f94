// An adapter heatmap as SVG: one row per layer, one column per projection, each cell a value in
// [0, 1] (B's density, or two masks' overlap) as a colour and as text. `adapter info --svg`
// draws the same picture in Java (chat/.../AdapterHeatmap.java): same layout, colours and texts,
// which the browser tests compare cell by cell.

export const DENSITY_RAMP = { from: [247, 251, 255], to: [8, 48, 107] }; // white to deep blue
export const OVERLAP_RAMP = { from: [255, 245, 235], to: [127, 39, 4] }; // white to deep orange
const CELL_WIDTH = 76, CELL_HEIGHT = 22, LEFT = 64, TOP = 24, LEGEND_HEIGHT = 40, SWATCH = 48;
const SVG = 'http://www.w3.org/2000/svg';

/**
 * The colour of `value` (0..1) on `ramp`: each channel linear in √value, rounded. LoRI-S keeps
 * ~10% of B, and on a linear ramp 0.1 would hardly differ from 0.
 */
export function color(ramp, value) {
  const t = Math.sqrt(value);
  const channel = i => Math.round(ramp.from[i] + (ramp.to[i] - ramp.from[i]) * t);
  return `rgb(${channel(0)},${channel(1)},${channel(2)})`;
}

/**
 * cells: [{layer, projection, value, title}] (projections not adapted have no cell);
 * returns the <svg> element.
 */
export function heatmap({ caption, layers, projections, cells, ramp }) {
  const width = LEFT + projections.length * CELL_WIDTH;
  const height = TOP + layers * CELL_HEIGHT + LEGEND_HEIGHT;
  const svg = element('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': caption,
    class: 'heatmap', 'font-family': 'sans-serif', 'font-size': 11 });
  projections.forEach((p, column) => svg.append(text(p, LEFT + column * CELL_WIDTH + CELL_WIDTH / 2, TOP - 8, 'middle')));
  for (let layer = 0; layer < layers; layer++) {
    svg.append(text(`layer ${layer}`, LEFT - 6, TOP + layer * CELL_HEIGHT + CELL_HEIGHT / 2 + 4, 'end'));
  }
  for (const cell of cells) {
    const x = LEFT + projections.indexOf(cell.projection) * CELL_WIDTH, y = TOP + cell.layer * CELL_HEIGHT;
    const group = element('g', { class: 'cell', 'data-layer': cell.layer, 'data-projection': cell.projection });
    const rect = element('rect', { x, y, width: CELL_WIDTH - 1, height: CELL_HEIGHT - 1, fill: color(ramp, cell.value) });
    const title = element('title', {});
    title.textContent = cell.title;
    rect.append(title);
    group.append(rect, text(cell.value.toFixed(2), x + CELL_WIDTH / 2, y + CELL_HEIGHT / 2 + 4, 'middle',
      cell.value > 0.5 ? 'white' : 'black'));
    svg.append(group);
  }
  // legend: 0, 0.1, ..., 1
  const legendY = TOP + layers * CELL_HEIGHT + 12;
  for (let step = 0; step <= 10; step++) {
    const x = LEFT + step * SWATCH;
    svg.append(element('rect', { x, y: legendY, width: SWATCH - 1, height: 10, fill: color(ramp, step / 10) }));
    svg.append(text((step / 10).toFixed(1), x + SWATCH / 2, legendY + 22, 'middle'));
  }
  return svg;
}

function text(content, x, y, anchor, fill = 'black') {
  const t = element('text', { x, y, 'text-anchor': anchor, fill });
  t.textContent = content;
  return t;
}

function element(name, attributes) {
  const e = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) e.setAttribute(key, value);
  return e;
}
