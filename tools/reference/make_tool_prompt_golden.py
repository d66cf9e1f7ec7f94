#!/usr/bin/env python3
"""Renders Llama 3.1's chat template with tools, as Hugging Face transformers does, for a
conversation with a tool call and its result: the golden that ToolPromptTest compares the
server's tool prompt with.

The template is Meta's (tokenizer_config.json of meta-llama/Llama-3.1-8B-Instruct); llama.cpp
keeps a copy as models/templates/meta-llama-Llama-3.1-8B-Instruct.jinja. It is read from there,
not committed. Rendering follows transformers' apply_chat_template: a sandboxed jinja2
environment with trim_blocks and lstrip_blocks, tojson = json.dumps(ensure_ascii=False),
add_generation_prompt=True, bos_token "<|begin_of_text|>".

Usage: python3.11 make_tool_prompt_golden.py TEMPLATE OUT_DIR   (needs Jinja2)
"""
import json
import os
import sys

from jinja2.sandbox import ImmutableSandboxedEnvironment

REQUEST = {
    "tools": [
        {"type": "function", "function": {
            "name": "get_weather", "description": "The weather in a city now",
            "parameters": {"type": "object", "properties": {
                "city": {"type": "string", "description": "City name, e.g. Paris"},
                "unit": {"enum": ["celsius", "fahrenheit"]}}, "required": ["city", "unit"]}}},
        {"type": "function", "function": {"name": "no_arguments", "parameters": {"type": "object", "properties": {}}}},
    ],
    "messages": [
        {"role": "system", "content": "  You are terse.  "},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather",
                                                               "arguments": "{\"city\": \"Paris\", \"unit\": \"celsius\"}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "{\"temperature\": 21, \"sky\": \"clear\"}\n"},
        {"role": "user", "content": "And in \u00c5re?"},
    ],
}


def main():
    template_path, out_dir = sys.argv[1], sys.argv[2]
    with open(template_path, encoding="utf-8") as f:
        template = f.read()

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def raise_exception(message):
        raise ValueError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    # transformers hands the template the arguments of a call as a dict (OpenAI clients send a JSON string)
    messages = json.loads(json.dumps(REQUEST["messages"]))
    for m in messages:
        for call in m.get("tool_calls") or []:
            call["function"]["arguments"] = json.loads(call["function"]["arguments"])
    prompt = env.from_string(template).render(messages=messages, tools=REQUEST["tools"], bos_token="<|begin_of_text|>",
                                              add_generation_prompt=True)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "request.json"), "w", encoding="utf-8") as f:
        json.dump(REQUEST, f, indent=2, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(out_dir, "prompt.txt"), "w", encoding="utf-8") as f:
        f.write(prompt)


if __name__ == "__main__":
    main()
