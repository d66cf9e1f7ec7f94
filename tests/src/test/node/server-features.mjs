// Drives the server's OpenAI features beyond plain completions (logprobs, echo, /v1/models/{id},
// and, when the server has them, response_format and tools) with the official openai client, and
// prints what it saw as one JSON object on stdout; ServerOpenAiFeaturesTest checks it.
// Usage: node server-features.mjs BASE_URL
import OpenAI from 'openai';
import { apiError } from './api-error.mjs';

const base = process.argv[2];
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'not-needed', maxRetries: 0, timeout: 120_000 });
const hello = [{ role: 'user', content: 'Hello' }];
const greedy = { temperature: 0, max_tokens: 12 };

const out = {};

// logprobs on chat, whole and streamed
const chat = await client.chat.completions.create({ model: 'nlu', messages: hello, ...greedy, logprobs: true, top_logprobs: 3 });
out.chatLogprobs = { text: chat.choices[0].message.content, logprobs: chat.choices[0].logprobs, usage: chat.usage };
const stream = await client.chat.completions.create({ model: 'nlu', messages: hello, ...greedy, logprobs: true, top_logprobs: 3, stream: true });
const streamed = { text: '', content: [] };
for await (const chunk of stream) {
  for (const choice of chunk.choices) {
    streamed.text += choice.delta.content ?? '';
    if (choice.logprobs) streamed.content.push(...choice.logprobs.content);
  }
}
out.chatLogprobsStreamed = streamed;

// the legacy completions: logprobs as parallel arrays, and echo
const text = await client.completions.create({ model: 'base', prompt: 'The answer is', ...greedy, logprobs: 2 });
out.textLogprobs = { text: text.choices[0].text, logprobs: text.choices[0].logprobs };
const echoed = await client.completions.create({ model: 'base', prompt: 'The answer is', ...greedy, echo: true });
out.echo = echoed.choices[0].text;
out.echoAndLogprobs = await apiError(client.completions.create({ model: 'base', prompt: 'x', ...greedy, echo: true, logprobs: 1 }));
out.tooManyTopLogprobs = await apiError(client.chat.completions.create({ model: 'nlu', messages: hello, ...greedy, logprobs: true, top_logprobs: 21 }));

// one model by id
out.modelNlu = await client.models.retrieve('nlu');
out.modelMix = await client.models.retrieve('nlu+code');
out.modelMissing = await apiError(client.models.retrieve('no-such-adapter'));

console.log(JSON.stringify(out));
