#!/usr/bin/python3
"""Write the chat fixture: a tiny Llama 3 checkpoint WITH a tokenizer, two adapters, a small
LoRI-style NLU evaluation file, and the answers an independent implementation expects.

    /usr/bin/python3 tools/reference/make_chat_fixture.py

Output: tests/src/test/resources/fixtures/chat/ (deterministic; < 1 MB)
  model/       config.json, model.safetensors (F32), tokenizer.json, tokenizer_config.json
  adapters/    nlu/, code/  (PEFT 0.12 LoRA directories, rank 4, all seven projections)
  eval/        test.json (JSON array), test.jsonl (same records), expected.json
  tasks/boolq/ test.json (70 records: duplicates, one long prompt) and expected.json: LoRI's
               eval protocol (eval_model.py + get_datasets.py) re-implemented below, on reference
               generations that stop only at the generation config's EOS
  expected.json  greedy replies for a few prompts (chat template, raw completion, with adapters)

The tokenizer is byte-level BPE as Llama 3's: 256 byte tokens in GPT-2 byte-to-unicode spelling at
id = byte value, a few merges that make whole words of the evaluation answers ("true", "answer",
...), and the Llama 3 special tokens as added_tokens at ids >= 320. The LM head favours a
handful of word tokens, so greedy replies are readable ASCII and the NLU answer regex finds
answers in them; which one wins depends on the prompt and the adapter.

Everything the tests compare with is computed here, independently of the Java code: token ids by
the BPE below (ASCII-only version of the Llama 3 pre-tokenizer regex), replies by llama_ref.py
(float64), answers by Python's re. Only prompts whose greedy steps win by a clear logit margin are
kept, so float32 rounding cannot flip a token.
"""
import json
import math
import os
import re
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import st  # noqa: E402
import llama_ref as ref  # noqa: E402
from make_fixtures import peft_config, make_lora, make_weights, base_config, write_json  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "tests", "src", "test", "resources", "fixtures", "chat")

VOCAB_SIZE = 352
SPECIALS = {320: "<|begin_of_text|>", 321: "<|end_of_text|>", 326: "<|start_header_id|>",
            327: "<|end_header_id|>", 329: "<|eot_id|>"}
BOS, EOT, EOS = 320, 329, 321
STOPS = {EOT, EOS}
GENERATION_EOS = EOS  # generation_config.json's eos_token_id, as Meta-Llama-3-8B's (128001, end of text)
WORDS = ["true", "false", "answer", "solution", "option", "ending", "Response", "Instruction"]
FAVOURED_WORDS = ["true", "false", "answer", "solution", "option", "ending"]
MIN_MARGIN = 0.02  # float32 logits are within ~1e-4 of float64 here
LLAMA3_SPLIT = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
                "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
# The same regex for ASCII text, in what Python's re understands.
ASCII_SPLIT = re.compile(r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\nA-Za-z0-9]?[A-Za-z]+|[0-9]{1,3}| ?[^\sA-Za-z0-9]+[\r\n]*|"
                         r"\s*[\r\n]+|\s+(?!\S)|\s+")
NLU_PROMPT = ("Below is an instruction that describes a task. Write a response that appropriately completes the request. "
              "\n\n                ### Instruction:\n                {instruction}\n\n                ### Response:\n                ")
ANSWER = re.compile(r"true|false|solution1|solution2|answer1|answer2|answer3|answer4|answer5|"
                    r"ending1|ending2|ending3|ending4|option1|option2")
EVAL_MAX_TOKENS = 8


class Unclear(Exception):
    """A greedy step too close to call, or a fixture too dull to test anything: try the next seed."""


# ---------------------------------------------------------------- tokenizer

def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


B2U = bytes_to_unicode()


def spell(text):
    return "".join(B2U[b] for b in text.encode("utf-8"))


def build_vocab():
    vocab = {B2U[b]: b for b in range(256)}
    merges = []

    def merge(left, right):
        if left + right in vocab:
            return
        merges.append((left, right))
        vocab[left + right] = 256 + len(merges) - 1

    for word in WORDS:
        s = spell(word)
        for i in range(2, len(s) + 1):
            merge(s[:i - 1], s[i - 1])
    sp = spell(" ")
    for n in (1, 2, 4, 8):
        merge(sp * n, sp * n)
    merge(spell("\n"), spell("\n"))
    merge(spell("#"), spell("#"))
    merge(spell("##"), spell("#"))
    assert 256 + len(merges) <= min(SPECIALS), len(merges)
    return vocab, merges


VOCAB, MERGES = build_vocab()
RANKS = {m: i for i, m in enumerate(MERGES)}
ID_TO_BYTES = {i: bytes(next(b for b, c in B2U.items() if c == ch) for ch in tok) for tok, i in VOCAB.items()}
for sid, content in SPECIALS.items():
    ID_TO_BYTES[sid] = content.encode("utf-8")


def bpe(piece):
    if piece in VOCAB:  # ignore_merges: a whole piece in the vocabulary is one token
        return [VOCAB[piece]]
    parts = list(piece)
    while len(parts) > 1:
        best = min(range(len(parts) - 1), key=lambda i: RANKS.get((parts[i], parts[i + 1]), 1 << 30))
        if (parts[best], parts[best + 1]) not in RANKS:
            break
        parts[best:best + 2] = [parts[best] + parts[best + 1]]
    return [VOCAB[p] for p in parts]


def encode_ordinary(text):
    assert text.isascii(), text
    ids = []
    for piece in ASCII_SPLIT.findall(text):
        ids += bpe(spell(piece))
    return ids


def decode(ids):
    raw = b"".join(ID_TO_BYTES[i] for i in ids)
    if not raw.isascii():  # keep expectations free of U+FFFD conventions
        raise Unclear("a reply with non-ASCII bytes")
    return raw.decode("ascii")


def header(role):
    return [326] + encode_ordinary(role) + [327] + encode_ordinary("\n\n")


def chat_prompt(messages):
    ids = [BOS]
    for role, content in messages:
        ids += header(role) + encode_ordinary(content.strip()) + [EOT]
    return ids + header("assistant")


def tokenizer_json():
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, c in sorted(SPECIALS.items())],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3_SPLIT}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": True,
                  "vocab": dict(sorted(VOCAB.items(), key=lambda kv: kv[1])),
                  "merges": [f"{a} {b}" for a, b in MERGES]},
    }


# ---------------------------------------------------------------- model

def make_model(cfg, seed):
    W = make_weights(cfg, seed, head_std=0.2)
    # The LM head favours a few readable tokens: answer words, digits 1-5, space, and end of turn.
    head = W["lm_head.weight"]
    favoured = [VOCAB[spell(w)] for w in FAVOURED_WORDS] + [ord(d) for d in "12345"] + [ord(" ")]
    for t in favoured:
        head[t] *= 12.0
    head[EOT] *= 5.0
    W["lm_head.weight"] = head
    return W


def write_model(d, seed):
    os.makedirs(d)
    cfg = base_config(hidden_size=64, intermediate_size=128, num_attention_heads=4, num_key_value_heads=2,
                      head_dim=16, num_hidden_layers=2, max_position_embeddings=512, vocab_size=VOCAB_SIZE,
                      bos_token_id=BOS, eos_token_id=[EOS, EOT])
    W = make_model(cfg, seed)
    write_json(os.path.join(d, "config.json"), cfg)
    st.save(W, os.path.join(d, "model.safetensors"), {"format": "pt"})
    with open(os.path.join(d, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(), f, ensure_ascii=False, indent=1)
    write_json(os.path.join(d, "generation_config.json"), {"bos_token_id": BOS, "eos_token_id": GENERATION_EOS})
    write_json(os.path.join(d, "tokenizer_config.json"), {
        "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "model_max_length": 512,
        "tokenizer_class": "PreTrainedTokenizerFast"})
    return cfg


def write_adapter(d, cfg, seed):
    os.makedirs(d)
    acfg = peft_config("chat-model", 4, 8, ref.PROJ)
    tensors = make_lora(cfg, acfg, seed, seed + 1, 0.6)
    with open(os.path.join(d, "adapter_config.json"), "w") as f:
        f.write(json.dumps(acfg, indent=2, sort_keys=True))
    st.save(tensors, os.path.join(d, "adapter_model.safetensors"), {"format": "pt"})


# ---------------------------------------------------------------- expectations

def generate(cfg, W, terms, prompt, max_tokens, stops=STOPS):
    """Greedy reply (stop tokens end it, excluded) and the smallest top-1/top-2 margin on the way."""
    seq, out, margin = list(prompt), [], float("inf")
    for _ in range(max_tokens):
        lg = ref.forward(cfg, W, seq, terms)[-1]
        top = lg.topk(2)
        margin = min(margin, float(top.values[0] - top.values[1]))
        t = int(top.indices[0])
        if t in stops:
            break
        seq.append(t)
        out.append(t)
    return out, margin


def main():
    for seed in range(2024, 2224):
        try:
            write_fixture(seed)
            print(f"model seed {seed}")
            return
        except Unclear as e:
            print(f"seed {seed}: {e}")
    raise SystemExit("no seed gave clear margins")


def check(ok, what):
    if not ok:
        raise Unclear(what)


def write_fixture(seed):
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    cfg = write_model(os.path.join(OUT, "model"), seed)
    write_adapter(os.path.join(OUT, "adapters", "nlu"), cfg, 3100)
    write_adapter(os.path.join(OUT, "adapters", "code"), cfg, 3200)
    cfg, W = ref.load_model(os.path.join(OUT, "model"))
    terms = {"base": {},
             "nlu": ref.combine([ref.load_adapter(os.path.join(OUT, "adapters", "nlu"))], [1.0], None),
             "code": ref.combine([ref.load_adapter(os.path.join(OUT, "adapters", "code"))], [1.0], None),
             "nlu+code": ref.combine([ref.load_adapter(os.path.join(OUT, "adapters", a)) for a in ("nlu", "code")],
                                     [1.0, 1.0], "cat")}

    # Replies the CLI, the API and the server must reproduce.
    cases = [("chat", "base", [], "Hello"), ("chat", "base", [("system", "Answer with true or false.")], "Is it true?"),
             ("chat", "nlu", [], "Hello"), ("chat", "code", [], "Hello"), ("chat", "nlu+code", [], "Hello"),
             ("raw", "base", [], "The answer is"), ("raw", "nlu", [], "The answer is")]
    expected = []
    for mode, model, system, user, in cases:
        prompt = chat_prompt(system + [("user", user)]) if mode == "chat" else [BOS] + encode_ordinary(user)
        ids, margin = generate(cfg, W, terms[model], prompt, 12)
        check(margin > MIN_MARGIN and ids, f"{mode} {model} {user!r}: margin {margin:.4f}, {len(ids)} tokens")
        expected.append({"mode": mode, "model": model, "system": system[0][1] if system else None, "user": user,
                         "max_tokens": 12, "prompt_ids": prompt, "reply_ids": ids, "reply": decode(ids),
                         "min_margin": round(margin, 4)})
        print(f"{mode:4s} {model:9s} {user!r:16s} -> {decode(ids)!r} (margin {margin:.3f})")
    replies = {(e["mode"], e["model"], e["user"]): e["reply"] for e in expected}
    check(len({replies[("chat", m, "Hello")] for m in ("base", "nlu", "code", "nlu+code")}) == 4,
          "adapters do not change the reply")
    write_json(os.path.join(OUT, "expected.json"), {
        "description": "greedy replies computed by tools/reference/make_chat_fixture.py (float64 llama_ref.py); "
                       "stop tokens " + str(sorted(STOPS)), "cases": expected})

    # NLU evaluation: records whose gold answers make a known accuracy for base and for nlu.
    subjects = ["the sky", "a cat", "water", "the moon", "a river", "an apple", "the sun", "a stone", "snow",
                "a bird", "the sea", "a tree", "fire", "a cloud", "the road", "a book"]
    choices = ["true", "false", "answer1", "answer2", "option1", "option2"]
    records, predictions = [], {"base": [], "nlu": []}
    for i, subject in enumerate(subjects):
        instruction = f"Question {i}: is {subject} blue? Answer format: true/false"
        prompt = encode_ordinary(NLU_PROMPT.format(instruction=instruction))
        preds = {}
        ok = True
        for model in ("base", "nlu"):
            ids, margin = generate(cfg, W, terms[model], prompt, EVAL_MAX_TOKENS)
            ok &= margin > MIN_MARGIN
            text = decode(prompt + ids).split("### Response:")[-1].strip()
            found = ANSWER.findall(text)
            preds[model] = found[0] if found else ""
        if not ok:
            continue
        # every third record's gold answer differs from the base prediction, the others agree with it
        gold = preds["base"] if preds["base"] and len(records) % 3 != 2 else \
            next(c for c in choices if c != preds["base"])
        records.append({"instruction": instruction, "output": f"the correct answer is {gold}", "answer": gold})
        for model in preds:
            predictions[model].append(preds[model])
        if len(records) == 9:
            break
    check(len(records) == 9, f"only {len(records)} clear evaluation records")
    result = {}
    for model, preds in predictions.items():
        correct = sum(p == r["answer"] for p, r in zip(preds, records))
        result[model] = {"correct": correct, "total": len(records), "accuracy": correct / len(records),
                         "predictions": preds}
        print(f"eval {model}: {correct}/{len(records)} {preds}")
    check(result["base"]["correct"] != result["nlu"]["correct"], "the adapter does not change the accuracy")
    check(len(set(predictions["base"])) >= 2, "base predictions all alike")
    os.makedirs(os.path.join(OUT, "eval"))
    write_json(os.path.join(OUT, "eval", "test.json"), records)
    with open(os.path.join(OUT, "eval", "test.jsonl"), "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    write_json(os.path.join(OUT, "eval", "expected.json"), {
        "description": "LoRI NLU protocol (no BOS, greedy, answer regex after the last '### Response:'), "
                       f"max {EVAL_MAX_TOKENS} new tokens; computed by make_chat_fixture.py",
        "max_tokens": EVAL_MAX_TOKENS, **result,
        "protocol": {"description": "the same records by LoRI's exact protocol, every record (--all-records): "
                                    "generation stops only at the generation config's EOS, answers by each task's "
                                    "own pattern, gold extracted from output", "by_model":
                     {m: protocol_scores(cfg, W, terms[m], [(r["instruction"], r["output"]) for r in records], 512)
                      for m in ("base", "nlu")}}})
    write_protocol_tasks(cfg, W, terms)


# ---------------------------------------------------------------- LoRI's evaluation protocol, re-implemented

# eval_model.py, extract_answer_commonsense: the task's own answer words
TASK_PATTERNS = {"boolq": r"true|false", "piqa": r"solution1|solution2",
                 "social_i_qa": r"answer1|answer2|answer3|answer4|answer5",
                 "arc-challenge": r"answer1|answer2|answer3|answer4|answer5",
                 "arc-easy": r"answer1|answer2|answer3|answer4|answer5",
                 "openbookqa": r"answer1|answer2|answer3|answer4|answer5",
                 "hellaswag": r"ending1|ending2|ending3|ending4", "winogrande": r"option1|option2"}
PROTOCOL_BATCH = 64      # eval_model.py --batch_size default; get_batch_iterator yields only full batches
MAX_LENGTH, MAX_PROMPT_LENGTH = 512, 256   # evaluate(): max_length, max_prompt_length (keep_start)


def extract_answer_commonsense(task, sentence):
    sentence = sentence.replace(",", "")
    sentence = sentence.split("### Response:")[-1]
    found = re.findall(TASK_PATTERNS[task], sentence.strip())
    return found[0] if found else ""


def decode_skipping_special(ids):
    return decode([i for i in ids if i not in SPECIALS])


def protocol_prompt_ids(instruction, output):
    """tokenize_batch_element: prompt without BOS; if prompt + output + EOS > 512, the prompt keeps its first 256."""
    prompt = encode_ordinary(NLU_PROMPT.format(instruction=instruction))
    chosen = encode_ordinary(output) + [EOT]  # tokenizer.eos_token_id (tokenizer_config's eos_token): one token
    truncated = len(prompt) + len(chosen) > MAX_LENGTH
    return (prompt[:MAX_PROMPT_LENGTH] if truncated else prompt), truncated


GENERATIONS = {}  # (id(terms), prompt ids) -> (generated ids, smallest margin)


def protocol_generation(cfg, W, terms, ids, max_tokens=EVAL_MAX_TOKENS):
    key = (id(terms), tuple(ids), max_tokens)
    if key not in GENERATIONS:
        GENERATIONS[key] = generate(cfg, W, terms, ids, max_tokens, stops={GENERATION_EOS})
    return GENERATIONS[key]


def protocol_scores(cfg, W, terms, pairs, batch, max_tokens=EVAL_MAX_TOKENS):
    """LoRI's selection (dict by prompt, last duplicate wins, only full batches of `batch`; batch=512 with
    fewer records: every record in order, as --all-records), generation and scoring, per task."""
    selected = pairs
    counts = {"in_file": len(pairs)}
    if batch == PROTOCOL_BATCH:
        by_prompt = {}
        for instruction, output in pairs:
            by_prompt[NLU_PROMPT.format(instruction=instruction)] = (instruction, output)
        unique = list(by_prompt.values())
        kept = len(unique) // batch * batch
        selected = unique[:kept]
        counts.update({"duplicates": len(pairs) - len(unique), "kept": kept, "dropped": len(unique) - kept})
    texts, golds, truncated, margin = [], [], 0, float("inf")
    for instruction, output in selected:
        ids, cut = protocol_prompt_ids(instruction, output)
        truncated += cut
        gen, m = protocol_generation(cfg, W, terms, ids, max_tokens)
        margin = min(margin, m)
        texts.append(decode_skipping_special(ids + gen))  # batch_decode(prompt + generation, skip_special_tokens)
        golds.append(output)
    counts["truncated"] = truncated
    result = {"counts": counts, "scored": len(selected), "min_margin": round(margin, 4), "tasks": {}}
    for task in TASK_PATTERNS:
        preds = [extract_answer_commonsense(task, t) for t in texts]
        gold = [extract_answer_commonsense(task, o) for o in golds]
        result["tasks"][task] = {"correct": sum(p == g for p, g in zip(preds, gold)), "predictions": preds, "gold": gold}
    if margin <= MIN_MARGIN:
        print(f"warning: a protocol generation is too close to call (margin {margin:.4f})")
    return result


def write_protocol_tasks(cfg, W, terms):
    """tasks/boolq/test.json: 68 distinct prompts (one of them longer than 512 tokens), then two
    records repeating earlier prompts with other outputs (the last wins): 68 kept as 64 + 4 dropped."""
    subjects = ["the sky", "a cat", "water", "the moon", "a river", "an apple", "the sun", "a stone", "snow"]
    golds = ["true", "false", "ending1", "option2", "answer3"]
    records = []
    candidate = 0
    while len(records) < 68:  # only prompts whose greedy steps win clearly, base and nlu alike
        i = len(records)
        instruction = f"Item {candidate}: is {subjects[candidate % len(subjects)]} blue? Answer format: true/false"
        candidate += 1
        if i == 5:
            instruction += " Consider it carefully." * 40  # prompt + output + EOS > 512 tokens: kept to its first 256
        gold = golds[(i * 7) % len(golds)]
        output = f"the correct answer is {gold}"
        ids = protocol_prompt_ids(instruction, output)[0]
        if min(protocol_generation(cfg, W, terms[m], ids)[1] for m in ("base", "nlu")) <= MIN_MARGIN:
            continue
        records.append({"instruction": instruction, "input": "", "output": output, "answer": gold})
    for i, gold in ((3, "false, not true"), (10, "true")):  # commas are removed before matching
        records.append(dict(records[i], output=f"the correct answer is {gold}", answer=gold.split(",")[0]))
    assert protocol_prompt_ids(records[5]["instruction"], records[5]["output"])[1]
    pairs = [(r["instruction"], r["output"]) for r in records]
    d = os.path.join(OUT, "tasks", "boolq")
    os.makedirs(d)
    write_json(os.path.join(d, "test.json"), records)
    expected = {"description": "LoRI's eval protocol re-implemented in make_chat_fixture.py on float64 reference "
                               f"generations, max {EVAL_MAX_TOKENS} new tokens, greedy, stop only at id {GENERATION_EOS}",
                "max_tokens": EVAL_MAX_TOKENS}
    for model in ("base", "nlu"):
        expected[model] = {"protocol": protocol_scores(cfg, W, terms[model], pairs, PROTOCOL_BATCH),
                           "all_records": protocol_scores(cfg, W, terms[model], pairs, 512)}
        print(f"protocol {model}: " + ", ".join(f"{t} {v['correct']}" for t, v in expected[model]["protocol"]["tasks"].items()))
    write_json(os.path.join(OUT, "tasks", "boolq", "expected.json"), expected)


if __name__ == "__main__":
    main()
