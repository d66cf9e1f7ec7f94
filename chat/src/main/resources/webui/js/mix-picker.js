// Chooses what answers: the base model, one adapter, or a weighted mix of adapters (cat or
// linear), and names it the way the server's "model" field reads it: "nlu", "nlu+code",
// "nlu*0.6+code*0.4 (linear)".

/** The server's model name for a mix {weights: {adapter: weight}, combination}: the base's id when empty. */
export function modelName(baseId, mix) {
  const used = Object.entries(mix.weights).filter(([, weight]) => weight !== 0);
  if (used.length === 0) return baseId;
  const name = used.map(([adapter, weight]) => (weight === 1 ? adapter : `${adapter}*${weight}`)).join('+');
  return mix.combination === 'linear' ? name + ' (linear)' : name;
}

/**
 * A select (base, each adapter, "mix…") and, for a mix, one weight per adapter and the
 * combination. `models` is /v1/models' list (the base first); `onChange(mix)` after each edit.
 * Returns {mix(), model()}.
 */
export function mixPicker(container, label, models, initial, onChange) {
  const [baseId, ...adapters] = models;
  let mix = { weights: {}, combination: initial?.combination === 'linear' ? 'linear' : 'cat' };
  for (const [adapter, weight] of Object.entries(initial?.weights ?? {})) { // a restored mix may name adapters gone since
    if (adapters.includes(adapter)) mix.weights[adapter] = weight;
  }

  const select = document.createElement('select');
  select.setAttribute('aria-label', label);
  select.append(new Option(`base (${baseId})`, ''));
  for (const adapter of adapters) select.append(new Option(adapter, adapter));
  if (adapters.length > 0) select.append(new Option('mix…', '*'));
  const selectLabel = document.createElement('label');
  selectLabel.append(label + ' ', select);

  const mixFields = document.createElement('fieldset');
  mixFields.className = 'mix-weights';
  const legend = document.createElement('legend');
  legend.textContent = 'Weights (0: not used)';
  mixFields.append(legend);
  const weightInputs = {};
  for (const adapter of adapters) {
    const input = document.createElement('input');
    input.type = 'number';
    input.step = 0.1;
    input.value = mix.weights[adapter] ?? 0;
    input.setAttribute('aria-label', `${label}: weight of ${adapter}`);
    weightInputs[adapter] = input;
    const row = document.createElement('label');
    row.append(adapter + ' ', input);
    mixFields.append(row);
  }
  const combination = document.createElement('select');
  combination.setAttribute('aria-label', `${label}: combination`);
  combination.append(new Option('cat (exact sum of ΔW)', 'cat'), new Option('linear (sums A and B)', 'linear'));
  combination.value = mix.combination;
  const combinationLabel = document.createElement('label');
  combinationLabel.append('Combination ', combination);
  mixFields.append(combinationLabel);

  container.append(selectLabel, mixFields);
  select.value = selectionFor(mix);
  mixFields.hidden = select.value !== '*';

  select.addEventListener('change', () => {
    mixFields.hidden = select.value !== '*';
    if (select.value === '*') mix = fromInputs();
    else mix = { weights: select.value ? { [select.value]: 1 } : {}, combination: 'cat' };
    onChange(mix);
  });
  for (const input of [...Object.values(weightInputs), combination]) {
    input.addEventListener('change', () => {
      mix = fromInputs();
      onChange(mix);
    });
  }

  function fromInputs() {
    const weights = {};
    for (const [adapter, input] of Object.entries(weightInputs)) {
      const weight = Number(input.value);
      if (input.value !== '' && weight !== 0) weights[adapter] = weight;
    }
    return { weights, combination: combination.value };
  }

  /** The select's value that shows `mix`: '' for the base, an adapter's name, or '*' for a mix. */
  function selectionFor(m) {
    const used = Object.entries(m.weights).filter(([, w]) => w !== 0);
    if (used.length === 0) return '';
    if (used.length === 1 && used[0][1] === 1 && m.combination === 'cat') return used[0][0];
    return '*';
  }

  return { mix: () => mix, model: () => modelName(baseId, mix) };
}
