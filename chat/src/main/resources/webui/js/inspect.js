// The Inspect view: what an adapter holds (rank, alpha, scale, bytes) and where its B is non-zero,
// layer by projection (GET /v1/adapters/{name}); for two adapters, where their masks meet
// (GET /v1/adapters/{name}/overlap/{other}). LoRI-S keeps ~10% of B: this is where.
import { errorNote } from './answer.js';
import { getJson } from './api.js';
import { DENSITY_RAMP, OVERLAP_RAMP, heatmap } from './heatmap.js';

const $ = id => document.getElementById(id);

export function inspectView(models) {
  const adapters = models.slice(1);
  const choice = $('inspect-adapter'), other = $('inspect-other');
  const profileBox = $('inspect-profile'), overlapBox = $('inspect-overlap');
  if (adapters.length === 0) {
    profileBox.textContent = 'This server has no adapters loaded (serve --adapter NAME=DIR).';
    choice.disabled = other.disabled = true;
    return;
  }
  for (const a of adapters) choice.append(new Option(a, a));
  choice.addEventListener('change', showProfile);
  other.addEventListener('change', showOverlap);
  let shown = false;

  async function showProfile() {
    other.replaceChildren(new Option('(none)', ''), ...adapters.filter(a => a !== choice.value).map(a => new Option(a, a)));
    overlapBox.replaceChildren();
    await show(profileBox, `/v1/adapters/${encodeURIComponent(choice.value)}`, profileView);
  }

  async function showOverlap() {
    if (!other.value) {
      overlapBox.replaceChildren();
      return;
    }
    await show(overlapBox, `/v1/adapters/${encodeURIComponent(choice.value)}/overlap/${encodeURIComponent(other.value)}`, overlapView);
  }

  return {
    /** Loads the first adapter when the view is first opened (each answer reads every B once). */
    opened: () => {
      if (!shown) showProfile();
      shown = true;
    },
  };
}

async function show(box, path, view) {
  box.replaceChildren('loading…');
  try {
    box.replaceChildren(...view(await getJson(path)));
  } catch (refusal) {
    box.replaceChildren(errorNote(refusal.message));
  }
}

function profileView(p) {
  const facts = definitionList([
    ['rank', p.rank], ['alpha', number(p.alpha)], ['scale', number(p.scale)], ['rsLoRA', p.rslora],
    ['file bytes', `${p.file_bytes} (${kib(p.file_bytes)})`], ['A entries', p.a_entries], ['B entries', p.b_entries],
    ['B non-zero', `${p.b_nonzero} (density ${p.b_density.toFixed(4)})`],
  ]);
  facts.id = 'inspect-facts';
  const byProjection = definitionList(Object.entries(p.b_density_by_projection).map(([proj, d]) => [proj, d.toFixed(4)]));
  byProjection.id = 'inspect-by-projection';
  const cells = p.modules.map(m => ({
    layer: m.layer, projection: m.projection, value: m.b_density,
    title: `layer ${m.layer} ${m.projection}: B density ${m.b_density.toFixed(4)} (${m.b_nonzero} of ${m.b_entries} non-zero)`,
  }));
  const caption = `${p.id}: density of B per layer and projection`;
  return [heading(caption), sideBySide([facts, heading('B density per projection', 'h3'), byProjection],
    heatmap({ caption, layers: p.layers, projections: p.projections, cells, ramp: DENSITY_RAMP }))];
}

function overlapView(o) {
  const facts = definitionList([
    ['non-zero in both', o.both], ['non-zero in either', o.union], ['overlap (both ÷ either)', o.jaccard.toFixed(4)],
  ]);
  facts.id = 'overlap-facts';
  const cells = o.modules.map(m => ({
    layer: m.layer, projection: m.projection, value: m.jaccard,
    title: `layer ${m.layer} ${m.projection}: overlap ${m.jaccard.toFixed(4)} (${m.both} in both of ${m.union} in either)`,
  }));
  const caption = `${o.first} and ${o.second}: overlap of B's non-zero entries per layer and projection`;
  return [heading(caption), sideBySide([facts], heatmap({ caption, layers: o.layers, projections: o.projections, cells, ramp: OVERLAP_RAMP }))];
}

/** As `adapter info` prints them: whole numbers plainly, others with 6 significant digits. */
function number(v) {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}

function kib(bytes) {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The numbers on the left, the picture on the right. */
function sideBySide(numbers, picture) {
  const row = document.createElement('div'), left = document.createElement('div');
  row.className = 'side-by-side';
  left.append(...numbers);
  row.append(left, picture);
  return row;
}

function heading(text, level = 'h2') {
  const h = document.createElement(level);
  h.textContent = text;
  return h;
}

function definitionList(pairs) {
  const dl = document.createElement('dl');
  for (const [term, value] of pairs) {
    const dt = document.createElement('dt'), dd = document.createElement('dd');
    dt.textContent = term;
    dd.textContent = String(value);
    dl.append(dt, dd);
  }
  return dl;
}
