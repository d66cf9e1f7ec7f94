// Drives a running `chat.jar serve` with the official openai client and prints what it saw as one
// JSON object on stdout; ServerOpenAiClientTest checks it. Usage: node server-client.mjs BASE_URL
import OpenAI from 'openai';
import { apiError } from './api-error.mjs';

const base = process.argv[2];
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'not-needed', maxRetries: 0, timeout: 60_000 });
const hello = [{ role: 'user', content: 'Hello' }];
const greedy = { temperature: 0, max_tokens: 12 };

async function chat(model) {
  const r = await client.chat.completions.create({ model, messages: hello, ...greedy });
  return { text: r.choices[0].message.content, finish: r.choices[0].finish_reason, usage: r.usage, object: r.object };
}

async function chatStream(model) {
  const stream = await client.chat.completions.create({
    model, messages: hello, ...greedy, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let chunks = 0;
  let finish = null;
  let usage = null;
  let role = null;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      if (choice.delta.role) role = choice.delta.role;
      text += choice.delta.content ?? '';
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  return { text, finish, usage, chunks, role };
}

const out = {};
out.models = (await client.models.list()).data.map((m) => m.id);

// each adapter alone, then both at once (one streamed, one not, and the other way round)
out.alone = { nlu: await chat('nlu'), code: await chat('code'), 'nlu+code': await chat('nlu+code'), base: await chat('chat-model') };
const [a, b] = await Promise.all([chat('nlu'), chatStream('code')]);
const [c, d] = await Promise.all([chatStream('nlu'), chat('code')]);
out.concurrent = [{ nlu: a.text, code: b.text }, { nlu: c.text, code: d.text }];
out.streamed = await chatStream('nlu');

const completion = await client.completions.create({ model: 'base', prompt: 'The answer is', ...greedy });
out.completion = { text: completion.choices[0].text, finish: completion.choices[0].finish_reason, usage: completion.usage, object: completion.object };
const stopped = await client.completions.create({ model: 'nlu', prompt: 'The answer is', ...greedy, stop: ['ing', '44'] });
out.completionWithStop = { text: stopped.choices[0].text, finish: stopped.choices[0].finish_reason };
const completionStream = await client.completions.create({ model: 'nlu', prompt: 'The answer is', ...greedy, stream: true });
out.completionStream = '';
for await (const chunk of completionStream) out.completionStream += chunk.choices[0]?.text ?? '';

out.unknownModel = await apiError(client.chat.completions.create({ model: 'nlu+math', messages: hello }));
out.badTemperature = await apiError(client.chat.completions.create({ model: 'nlu', messages: hello, temperature: 7 }));

// a client that goes away mid-stream: read two chunks, then abort the request
const long = await client.chat.completions.create({ model: 'code', messages: hello, temperature: 0, max_tokens: 400, stream: true });
let seen = 0;
for await (const chunk of long) {
  if (++seen === 2) {
    long.controller.abort();
    break;
  }
}
out.abortedAfterChunks = seen;

console.log(JSON.stringify(out));
