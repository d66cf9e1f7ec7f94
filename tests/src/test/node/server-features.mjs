// Drives the server's OpenAI features beyond plain completions (logprobs, echo, /v1/models/{id},
// and, when the server has them, response_format and tools) with the official openai client, and
// prints what it saw as one JSON object on stdout; ServerOpenAiFeaturesTest checks it.
// Usage: node server-features.mjs BASE_URL
import OpenAI from 'openai';
import { apiError } from './api-error.mjs';
import Ajv from 'ajv';

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

// response_format: a JSON schema, and JSON mode, enforced while decoding; checked here with ajv, an independent validator
const ajv = new Ajv({ strict: true, allErrors: true });
const weather = {
  type: 'object',
  properties: {
    city: { enum: ['Paris', 'Oslo', 'Lima'] },
    degrees: { type: 'integer' },
    sunny: { type: 'boolean' },
    note: { anyOf: [{ type: 'null' }, { enum: ['windy', 'calm'] }] },
    hours: { type: 'array', items: { type: 'number' }, maxItems: 3 },
  },
  required: ['city', 'degrees', 'sunny', 'note', 'hours'],
  additionalProperties: false,
};
const weatherFormat = { type: 'json_schema', json_schema: { name: 'weather', schema: weather, strict: true } };
const ask = [{ role: 'user', content: 'What is the weather like?' }];
function checked(text, finish) {
  let valid = false;
  let errors = null;
  try {
    valid = ajv.validate(weather, JSON.parse(text));
    errors = ajv.errors;
  } catch (e) {
    errors = String(e);
  }
  return { text, finish, valid, errors };
}
out.jsonSchema = [];
for (const [model, seed] of [['nlu', 1], ['code', 2], ['chat-model', 3], ['nlu+code', 4], ['nlu', 5], ['code', 6]]) {
  const r = await client.chat.completions.create({ model, messages: ask, temperature: 1, seed, max_tokens: 300, response_format: weatherFormat });
  out.jsonSchema.push(checked(r.choices[0].message.content, r.choices[0].finish_reason));
}
const jsonStream = await client.chat.completions.create({ model: 'nlu', messages: ask, temperature: 0.8, seed: 9, max_tokens: 300,
  response_format: weatherFormat, stream: true });
let jsonStreamed = '';
let jsonStreamFinish = null;
for await (const chunk of jsonStream) {
  for (const choice of chunk.choices) {
    jsonStreamed += choice.delta.content ?? '';
    if (choice.finish_reason) jsonStreamFinish = choice.finish_reason;
  }
}
out.jsonSchemaStreamed = checked(jsonStreamed, jsonStreamFinish);
const completionJson = await client.completions.create({ model: 'base', prompt: 'Weather:', temperature: 1, seed: 7, max_tokens: 300,
  response_format: weatherFormat });
out.jsonSchemaCompletion = checked(completionJson.choices[0].text, completionJson.choices[0].finish_reason);
const free = await client.chat.completions.create({ model: 'nlu', messages: ask, temperature: 1, seed: 1, max_tokens: 60 });
out.unconstrained = free.choices[0].message.content;
out.jsonObject = [];
for (const seed of [1, 2, 3]) {
  const r = await client.chat.completions.create({ model: 'code', messages: ask, temperature: 1, seed, max_tokens: 120,
    response_format: { type: 'json_object' } });
  out.jsonObject.push({ text: r.choices[0].message.content, finish: r.choices[0].finish_reason });
}
out.unenforceableSchema = await apiError(client.chat.completions.create({ model: 'nlu', messages: ask, max_tokens: 5,
  response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { s: { type: 'string', pattern: '^a' } } } } } }));
out.jsonWithStop = await apiError(client.chat.completions.create({ model: 'nlu', messages: ask, max_tokens: 5, stop: ['}'],
  response_format: { type: 'json_object' } }));

// tools: Llama 3.1's JSON tool calls; a forced call (tool_choice required or named) is constrained to a valid call
const weatherTool = { type: 'function', function: { name: 'get_weather', description: 'The weather in a city now',
  parameters: { type: 'object', properties: { city: { enum: ['Paris', 'Oslo'] }, unit: { enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'], additionalProperties: false } } };
const timeTool = { type: 'function', function: { name: 'get_time',
  parameters: { type: 'object', properties: { zone: { enum: ['UTC', 'CET'] } }, required: ['zone'], additionalProperties: false } } };
const toolsByName = { get_weather: weatherTool, get_time: timeTool };
function calls(message, finish) {
  const found = (message.tool_calls ?? []).map((c) => {
    const args = JSON.parse(c.function.arguments);
    return { id: c.id, type: c.type, name: c.function.name, valid: ajv.validate(toolsByName[c.function.name].function.parameters, args) };
  });
  return { finish, content: message.content, calls: found };
}
const weatherAsk = [{ role: 'user', content: 'Weather in Paris?' }];
const forced = await client.chat.completions.create({ model: 'nlu', messages: weatherAsk, tools: [weatherTool, timeTool],
  tool_choice: 'required', temperature: 1, seed: 3, max_tokens: 200 });
out.toolRequired = calls(forced.choices[0].message, forced.choices[0].finish_reason);
const named = await client.chat.completions.create({ model: 'code', messages: weatherAsk, tools: [weatherTool, timeTool],
  tool_choice: { type: 'function', function: { name: 'get_time' } }, temperature: 1, seed: 4, max_tokens: 200 });
out.toolNamed = calls(named.choices[0].message, named.choices[0].finish_reason);
const toolStream = await client.chat.completions.create({ model: 'nlu', messages: weatherAsk, tools: [weatherTool],
  tool_choice: 'required', temperature: 1, seed: 5, max_tokens: 200, stream: true });
const streamedCalls = [];
let toolStreamFinish = null;
for await (const chunk of toolStream) {
  for (const choice of chunk.choices) {
    for (const c of choice.delta.tool_calls ?? []) streamedCalls.push(c);
    if (choice.finish_reason) toolStreamFinish = choice.finish_reason;
  }
}
out.toolStreamed = { finish: toolStreamFinish, calls: streamedCalls };
const auto = await client.chat.completions.create({ model: 'nlu', messages: weatherAsk, tools: [weatherTool], temperature: 0, max_tokens: 12 });
out.toolAuto = calls(auto.choices[0].message, auto.choices[0].finish_reason);
const followUp = await client.chat.completions.create({ model: 'nlu', tools: [weatherTool], temperature: 0, max_tokens: 8, messages: [
  ...weatherAsk,
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris", "unit": "celsius"}' } }] },
  { role: 'tool', tool_call_id: 'call_1', content: '{"temperature": 21}' },
] });
out.toolFollowUp = { finish: followUp.choices[0].finish_reason, content: followUp.choices[0].message.content, usage: followUp.usage };
const badParameters = { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { s: { type: 'string', format: 'email' } } } } };
out.toolUnenforceable = await apiError(client.chat.completions.create({ model: 'nlu', messages: weatherAsk, tools: [badParameters],
  tool_choice: 'required', max_tokens: 5 }));
out.toolChoiceUnknown = await apiError(client.chat.completions.create({ model: 'nlu', messages: weatherAsk, tools: [weatherTool],
  tool_choice: { type: 'function', function: { name: 'nope' } }, max_tokens: 5 }));

console.log(JSON.stringify(out));
