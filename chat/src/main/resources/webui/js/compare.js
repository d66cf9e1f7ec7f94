// The Compare view: one prompt sent to 2 to 4 models or adapter mixes at once, each answer
// streaming in its own column with its tokens/s. The columns and the prompt are kept per tab.
import { describeSpeed, errorNote, streamAnswer } from './answer.js';
import { onSend } from './composer.js';
import { liveMarkdown, renderMarkdown } from './markdown.js';
import { mixPicker } from './mix-picker.js';
import { samplingForm } from './sampling.js';

const STORAGE = 'lorillama.compare';
const MIN_COLUMNS = 2, MAX_COLUMNS = 4;
const $ = id => document.getElementById(id);

export function compareView(models) {
  const state = load(models);
  const sampling = samplingForm($('compare-sampling'), state.sampling, s => { state.sampling = s; save(state); });
  const input = $('compare-input'), run = $('compare-run'), stop = $('compare-stop');
  const add = $('compare-add'), remove = $('compare-remove'), holder = $('compare-columns');
  input.value = state.prompt;
  input.addEventListener('change', () => { state.prompt = input.value; save(state); });
  let running = null;
  let columns = state.mixes.map((m, i) => column(i, m));
  updateButtons();

  function column(index, initialMix) {
    const element = document.createElement('article');
    element.className = 'column';
    const picker = document.createElement('div');
    picker.className = 'mix';
    const mix = mixPicker(picker, `Column ${index + 1}`, models, initialMix, m => { state.mixes[index] = m; save(state); });
    const stats = document.createElement('div');
    stats.className = 'stats';
    const content = document.createElement('div');
    content.className = 'content';
    element.append(picker, stats, content);
    holder.append(element);
    return { element, mix, stats, content };
  }

  add.addEventListener('click', () => {
    if (columns.length >= MAX_COLUMNS) return;
    state.mixes.push({ weights: {}, combination: 'cat' });
    columns.push(column(columns.length, null));
    save(state);
    updateButtons();
  });
  remove.addEventListener('click', () => {
    if (columns.length <= MIN_COLUMNS) return;
    columns.pop().element.remove();
    state.mixes.pop();
    save(state);
    updateButtons();
  });
  onSend($('compare-form'), input, compare);
  stop.addEventListener('click', () => running?.abort());

  function updateButtons() {
    add.disabled = running !== null || columns.length >= MAX_COLUMNS;
    remove.disabled = running !== null || columns.length <= MIN_COLUMNS;
    run.disabled = running !== null;
    stop.disabled = running === null;
  }

  async function compare() {
    const prompt = input.value.trim();
    if (!prompt || running) return;
    state.prompt = input.value;
    save(state);
    running = new AbortController();
    updateButtons();
    await Promise.all(columns.map(c => answerIn(c, prompt, running.signal)));
    running = null;
    updateButtons();
  }

  async function answerIn(c, prompt, signal) {
    c.element.dataset.finish = '';
    c.element.querySelector('.error')?.remove();
    c.content.replaceChildren();
    c.stats.textContent = 'waiting…';
    const show = liveMarkdown(c.content);
    const body = { model: c.mix.model(), messages: [{ role: 'user', content: prompt }], ...sampling() };
    try {
      const result = await streamAnswer(body, signal, (soFar, speed) => {
        show(soFar);
        c.stats.textContent = describeSpeed(speed);
      });
      renderMarkdown(c.content, result.text);
      c.stats.textContent = `${describeSpeed(result.stats)} · ${result.finish}`;
      c.element.dataset.finish = result.finish;
    } catch (refusal) {
      renderMarkdown(c.content, refusal.partialText ?? '');
      c.stats.textContent = '';
      c.element.append(errorNote(refusal.message));
      c.element.dataset.finish = 'refused';
    }
  }

  return { stop: () => running?.abort(), focus: () => input.focus() };
}

/** Two columns at first: the base and the first adapter (if any), greedy so that only the model differs. */
function load(models) {
  const saved = JSON.parse(sessionStorage.getItem(STORAGE) ?? 'null');
  const second = models.length > 1 ? { weights: { [models[1]]: 1 }, combination: 'cat' } : { weights: {}, combination: 'cat' };
  return { prompt: '', sampling: { temperature: 0, max_tokens: 128 }, mixes: [{ weights: {}, combination: 'cat' }, second], ...saved };
}

function save(state) {
  sessionStorage.setItem(STORAGE, JSON.stringify(state));
}
