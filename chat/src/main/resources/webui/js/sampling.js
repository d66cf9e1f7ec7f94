// The sampling settings of a request (OpenAI field names), as a small form that remembers itself.

const FIELDS = [
  // name, label, attributes of the number input
  ['temperature', 'Temperature', { min: 0, max: 2, step: 0.05 }],
  ['top_p', 'Top-p', { min: 0.01, max: 1, step: 0.01 }],
  ['top_k', 'Top-k (0: off)', { min: 0, step: 1 }],
  ['max_tokens', 'Max tokens', { min: 1, step: 1 }],
  ['seed', 'Seed (empty: random)', { step: 1 }],
];

/**
 * Fills `fieldset` with one number input per setting, starting from `initial`; calls `onChange`
 * with the settings after each edit. Returns a function that reads the current settings
 * (empty inputs are left out, so the server's defaults apply).
 */
export function samplingForm(fieldset, initial, onChange) {
  const inputs = {};
  for (const [name, label, attributes] of FIELDS) {
    const wrapper = document.createElement('label');
    wrapper.textContent = label + ' ';
    const input = document.createElement('input');
    input.type = 'number';
    input.name = name;
    for (const [key, value] of Object.entries(attributes)) input.setAttribute(key, value);
    if (initial[name] !== undefined) input.value = initial[name];
    input.addEventListener('change', () => onChange(read()));
    wrapper.append(input);
    fieldset.append(wrapper);
    inputs[name] = input;
  }
  function read() {
    const settings = {};
    for (const [name, input] of Object.entries(inputs)) {
      if (input.value !== '') settings[name] = Number(input.value);
    }
    return settings;
  }
  return read;
}
