// One streamed answer and its speed, for the chat and for each column of a comparison.
import { streamChat } from './api.js';

/**
 * Streams the answer to a chat request `body`; calls `onText(text so far, live stats)` as pieces
 * arrive. Resolves with {text, finish, stats}; finish is the server's ("stop", "length") or
 * "stopped" when `signal` aborted it. A refusal rejects with an ApiRefusal that carries the text
 * received before it (`partialText`).
 */
export async function streamAnswer(body, signal, onText) {
  const started = performance.now();
  let text = '', pieces = 0, firstAt = null, usage = null, finish = 'stopped';
  try {
    for await (const chunk of streamChat(body, signal)) {
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      if (choice.delta?.content) {
        text += choice.delta.content;
        pieces++;
        firstAt ??= performance.now();
        onText(text, speed(pieces, started, firstAt, performance.now()));
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  } catch (e) {
    if (e.name !== 'AbortError') {
      e.partialText = text;
      throw e;
    }
  }
  return { text, finish, stats: speed(usage?.completion_tokens ?? pieces, started, firstAt, performance.now()) };
}

/**
 * tokens, the wait for the first token (the prompt's prefill, plus any queueing), and tokens/s
 * from the first token to the last: the generation speed.
 */
function speed(tokens, started, firstAt, now) {
  const firstTokenSeconds = firstAt === null ? null : (firstAt - started) / 1000;
  const generating = firstAt === null ? 0 : (now - firstAt) / 1000;
  const tokensPerSecond = tokens > 1 && generating > 0 ? (tokens - 1) / generating : null;
  return { tokens, firstTokenSeconds, tokensPerSecond };
}

/** "12 tokens · 345.6 tok/s · first after 0.05 s" */
export function describeSpeed({ tokens, firstTokenSeconds, tokensPerSecond }) {
  const parts = [`${tokens} token${tokens === 1 ? '' : 's'}`];
  if (tokensPerSecond !== null) parts.push(`${tokensPerSecond.toFixed(1)} tok/s`);
  if (firstTokenSeconds !== null) parts.push(`first after ${firstTokenSeconds.toFixed(2)} s`);
  return parts.join(' · ');
}

/** A refusal shown where the answer would be (read out by screen readers). */
export function errorNote(text) {
  const note = document.createElement('p');
  note.className = 'error';
  note.setAttribute('role', 'alert');
  note.textContent = text;
  return note;
}
