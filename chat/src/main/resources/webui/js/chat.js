// The Chat view: a conversation with the base model, an adapter or a mix, kept per browser tab
// (sessionStorage: a reload keeps it, a new tab starts afresh), answers streamed as they come.
import { describeSpeed, errorNote, streamAnswer } from './answer.js';
import { onSend } from './composer.js';
import { liveMarkdown, renderMarkdown } from './markdown.js';
import { mixPicker } from './mix-picker.js';
import { samplingForm } from './sampling.js';

const STORAGE = 'lorillama.chat';
const $ = id => document.getElementById(id);

export function chatView(models) {
  const state = load();
  const mix = mixPicker($('chat-mix'), 'Model', models, state.mix, m => { state.mix = m; save(state); });
  const sampling = samplingForm($('chat-sampling'), state.sampling, s => { state.sampling = s; save(state); });
  const system = $('chat-system');
  system.value = state.system;
  system.addEventListener('change', () => { state.system = system.value; save(state); });

  const list = $('chat-messages'), input = $('chat-input'), send = $('chat-send'), stop = $('chat-stop');
  let running = null; // the AbortController of the answer being streamed
  for (const message of state.messages) list.append(messageItem(message));

  onSend($('chat-form'), input, ask);
  stop.addEventListener('click', () => running?.abort());
  $('chat-new').addEventListener('click', () => {
    running?.abort();
    state.messages = [];
    save(state);
    list.replaceChildren();
    input.focus();
  });

  async function ask() {
    const text = input.value.trim();
    if (!text || running) return;
    input.value = '';
    const question = { role: 'user', content: text };
    const conversation = state.messages; // "New conversation" may replace it while this answer streams
    conversation.push(question);
    save(state);
    list.append(messageItem(question));
    const answer = { role: 'assistant', content: '', model: mix.model(), note: '' };
    const item = messageItem(answer);
    item.classList.add('streaming');
    list.append(item);
    const show = liveMarkdown(item.querySelector('.content'));
    const stats = item.querySelector('.stats');

    running = new AbortController();
    send.disabled = true;
    stop.disabled = false;
    try {
      const result = await streamAnswer(request(), running.signal, (soFar, speed) => {
        show(soFar);
        stats.textContent = describeSpeed(speed);
        item.scrollIntoView({ block: 'end' });
      });
      Object.assign(answer, { content: result.text, finish: result.finish, note: `${describeSpeed(result.stats)} · ${result.finish}` });
    } catch (refusal) {
      Object.assign(answer, { content: refusal.partialText ?? '', finish: 'refused', note: '' });
      item.append(errorNote(refusal.message));
    } finally {
      running = null;
      send.disabled = false;
      stop.disabled = true;
    }
    renderMarkdown(item.querySelector('.content'), answer.content);
    stats.textContent = answer.note;
    item.classList.remove('streaming');
    item.dataset.finish = answer.finish;
    if (answer.finish === 'refused' && !answer.content) { // nothing said: the question may be asked again
      conversation.pop();
      if (!input.value) input.value = text;
    } else {
      conversation.push(answer);
    }
    save(state);
  }

  /** The whole conversation so far, the system prompt first; the settings as the form says. */
  function request() {
    const messages = state.messages.map(({ role, content }) => ({ role, content }));
    if (state.system.trim()) messages.unshift({ role: 'system', content: state.system });
    return { model: mix.model(), messages, ...sampling() };
  }

  return { stop: () => running?.abort(), focus: () => input.focus() };
}

function messageItem(message) {
  const item = document.createElement('li');
  item.className = `message ${message.role}`;
  if (message.finish) item.dataset.finish = message.finish;
  const who = document.createElement('div');
  who.className = 'who';
  who.textContent = message.role === 'user' ? 'You' : message.model;
  const content = document.createElement('div');
  content.className = 'content';
  if (message.role === 'user') content.textContent = message.content; // the user's own words, as typed
  else renderMarkdown(content, message.content);
  const stats = document.createElement('div');
  stats.className = 'stats';
  stats.textContent = message.note ?? '';
  item.append(who, content, stats);
  return item;
}

function load() {
  const saved = JSON.parse(sessionStorage.getItem(STORAGE) ?? 'null');
  return { system: '', messages: [], sampling: { max_tokens: 256 }, mix: null, ...saved };
}

function save(state) {
  sessionStorage.setItem(STORAGE, JSON.stringify(state));
}
