// The page's entry point: asks the server what it serves (/v1/models), builds the three views,
// and switches between them (tabs, also with the arrow keys). Esc stops what is streaming.
import { ApiRefusal, forgetKey, getJson, hasKey, whenKeyNeeded } from './api.js';
import { chatView } from './chat.js';
import { compareView } from './compare.js';
import { inspectView } from './inspect.js';

const $ = id => document.getElementById(id);
const tabs = [...document.querySelectorAll('[role=tab]')];

whenKeyNeeded(askForKey);
start();

async function start() {
  const status = $('server-status');
  let models;
  try {
    models = (await getJson('/v1/models')).data.map(m => m.id); // the base first, then each adapter
  } catch (refusal) {
    if (!(refusal instanceof ApiRefusal)) throw refusal;
    status.textContent = refusal.message;
    status.classList.add('error');
    const retry = document.createElement('button');
    retry.textContent = 'Try again';
    retry.addEventListener('click', () => location.reload());
    status.append(' ', retry);
    retry.focus();
    return;
  }
  status.textContent = `${models[0]}${models.length > 1 ? ' · adapters: ' + models.slice(1).join(', ') : ''}`;
  $('forget-key').hidden = !hasKey();
  $('forget-key').addEventListener('click', () => {
    forgetKey();
    $('forget-key').hidden = true;
  });

  const views = { chat: chatView(models), compare: compareView(models), inspect: inspectView(models) };
  for (const tab of tabs) {
    tab.addEventListener('click', () => select(tab, views));
    tab.addEventListener('keydown', event => { // WAI-ARIA tabs: arrows move between tabs
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      select(next, views);
      next.focus();
    });
  }
  document.addEventListener('keydown', event => {
    if (event.key === 'Escape' && !$('key-dialog').open) {
      views.chat.stop();
      views.compare.stop();
    }
  });
  document.body.dataset.ready = 'true'; // for the browser tests: the views are built
  views.chat.focus();
}

function select(tab, views) {
  for (const t of tabs) {
    const selected = t === tab;
    t.setAttribute('aria-selected', selected);
    t.tabIndex = selected ? 0 : -1;
    $(t.getAttribute('aria-controls')).hidden = !selected;
  }
  if (tab.id === 'tab-inspect') views.inspect?.opened();
}

let keyRequest = null; // one dialog for all the requests refused at once

/** Shows the key dialog; resolves with the key, or null when cancelled. */
function askForKey(reason) {
  keyRequest ??= new Promise(resolve => {
    const dialog = $('key-dialog'), input = $('key-input');
    $('key-reason').textContent = reason;
    input.value = '';
    dialog.addEventListener('close', () => {
      keyRequest = null;
      const key = dialog.returnValue === 'ok' ? input.value.trim() : '';
      if (key) $('forget-key').hidden = false;
      resolve(key || null);
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    input.focus();
  });
  return keyRequest;
}
