// Talking to the server: its OpenAI-style endpoints, with the API key when it asks for one.
// Every refusal becomes an ApiRefusal carrying the server's own message, for the page to show.

const KEY_STORAGE = 'lorillama.apiKey';

export class ApiRefusal extends Error {
  constructor(status, message) {
    super(message);
    this.status = status; // 0: the server could not be reached
  }
}

let askForKey = async () => null;

/** The page's way to ask the user for a key: an async function (reason) => key or null. */
export function whenKeyNeeded(ask) {
  askForKey = ask;
}

export function hasKey() {
  return localStorage.getItem(KEY_STORAGE) !== null;
}

export function forgetKey() {
  localStorage.removeItem(KEY_STORAGE);
}

/** fetch, with the key if one was given; a 401 asks for a key and tries again. */
async function send(path, init = {}) {
  for (;;) {
    const headers = { ...init.headers };
    const key = localStorage.getItem(KEY_STORAGE);
    if (key) headers.Authorization = 'Bearer ' + key;
    let response;
    try {
      response = await fetch(path, { ...init, headers });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiRefusal(0, 'The server cannot be reached (' + e.message + ')');
    }
    if (response.ok) return response;
    const message = await refusalMessage(response);
    if (response.status === 401) {
      if (localStorage.getItem(KEY_STORAGE) !== key) continue; // another request got a new key meanwhile
      const newKey = await askForKey(message);
      if (newKey) {
        localStorage.setItem(KEY_STORAGE, newKey);
        continue;
      }
    }
    throw new ApiRefusal(response.status, message);
  }
}

/** The OpenAI error body's message, or the status line when the body is something else. */
async function refusalMessage(response) {
  const text = await response.text();
  try {
    const message = JSON.parse(text).error.message;
    if (message) return `${message} (HTTP ${response.status})`;
  } catch { /* not an OpenAI error body */ }
  return `The server refused: HTTP ${response.status} ${response.statusText} ${text.slice(0, 200)}`.trim();
}

export async function getJson(path) {
  return (await send(path)).json();
}

/**
 * Streams a chat completion: yields each server-sent event's JSON (OpenAI chunks) until
 * "data: [DONE]". Aborting `signal` closes the connection, which the server takes as "stop".
 */
export async function* streamChat(body, signal) {
  const response = await send('/v1/chat/completions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
    signal,
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read().catch(e => {
      if (e.name === 'AbortError') throw e;
      throw new ApiRefusal(0, 'The connection to the server was lost (' + e.message + ')');
    });
    if (done) throw new ApiRefusal(response.status, 'The server closed the stream before it finished');
    buffered += value;
    let end;
    while ((end = buffered.indexOf('\n\n')) >= 0) { // one event per blank-line-terminated block
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = event.split('\n').filter(line => line.startsWith('data:')).map(line => line.slice(5).trim()).join('\n');
      if (data === '[DONE]') return;
      if (data) yield JSON.parse(data);
    }
  }
}
