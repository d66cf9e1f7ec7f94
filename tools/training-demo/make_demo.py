#!/usr/bin/python3
"""Base model and tasks for the LoRI training demonstration (docs/TRAINING.md).

    /usr/bin/python3 tools/training-demo/make_demo.py OUT_DIR

Writes OUT_DIR/base (a small random-weight Llama in HF layout with the chat fixture's byte-level
BPE tokenizer) and OUT_DIR/tasks/{animals,compare,colors}/{train,test}.json: three classification
tasks in LoRI's record format, each answered with one of the answer words the LoRI evaluation
protocol extracts (true|false, solution1|2, option1|2), so `chat.jar eval` scores them. Test
records use the same items and phrasings as training with new reference numbers (no test prompt
is a training prompt): the base has no knowledge and a 4-layer random model does not carry a
task over to new phrasings (tried: near chance), so the tasks measure what an adapter learns and
keeps, not reasoning. Deterministic (fixed seeds).
"""
import json
import os
import random
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import st  # noqa: E402
from make_fixtures import base_config, make_weights, write_json  # noqa: E402

FIXTURE_TOKENIZER = os.path.join(HERE, "..", "..", "tests", "src", "test", "resources", "fixtures", "chat", "model")

ANIMALS = ["cat", "dog", "horse", "tiger", "mouse", "eagle", "shark", "frog", "snake", "whale", "goat", "sheep",
           "camel", "zebra", "otter", "panda"]
OBJECTS = ["table", "chair", "spoon", "lamp", "brick", "kettle", "pencil", "shovel", "mirror", "bucket", "ladder",
           "wallet", "candle", "helmet", "basket", "anchor"]
COLORS = ["red", "blue", "green", "yellow", "purple", "orange", "brown", "black", "white", "pink", "gray", "violet"]
WORDS = ["river", "cloud", "stone", "bread", "paper", "music", "garden", "window", "winter", "bottle", "forest", "letter"]


def animals(rng):
    phrasings = ["Is a {x} an animal? Answer true or false. Ref {n}.",
                 "Tell me if the {x} is an animal (true or false). Ref {n}."]
    x = rng.choice(ANIMALS + OBJECTS)
    answer = "true" if x in ANIMALS else "false"
    return rng.choice(phrasings).format(x=x, n=rng.randrange(1000)), answer


def compare(rng):
    phrasings = ["Which number is larger? Solution1: {a} Solution2: {b} Ref {n}.",
                 "Pick the larger number. Solution1: {a} Solution2: {b} Ref {n}."]
    a, b = rng.sample(range(10), 2)
    answer = "solution1" if a > b else "solution2"
    return rng.choice(phrasings).format(a=a, b=b, n=rng.randrange(1000)), answer


def colors(rng):
    phrasings = ["Which option is a color? Option1: {a} Option2: {b} Ref {n}.",
                 "Choose the color. Option1: {a} Option2: {b} Ref {n}."]
    c, w = rng.choice(COLORS), rng.choice(WORDS)
    first = rng.random() < 0.5
    a, b = (c, w) if first else (w, c)
    return rng.choice(phrasings).format(a=a, b=b, n=rng.randrange(1000)), "option1" if first else "option2"


TASKS = {"animals": animals, "compare": compare, "colors": colors}


def write_task(out, name, make, seed, n_train=192, n_test=128):
    d = os.path.join(out, "tasks", name)
    train_prompts = set()
    os.makedirs(d, exist_ok=True)
    for split, n, s in (("train", n_train, seed), ("test", n_test, seed + 1)):
        rng = random.Random(s)
        records, seen = [], set(train_prompts)
        while len(records) < n:
            instruction, answer = make(rng)
            if instruction in seen:
                continue
            seen.add(instruction)
            if split == "train":
                train_prompts.add(instruction)
            records.append({"instruction": instruction, "input": "", "output": answer,
                            "answer": answer})
        write_json(os.path.join(d, f"{split}.json"), records)


def write_base(out):
    d = os.path.join(out, "base")
    os.makedirs(d, exist_ok=True)
    cfg = base_config(hidden_size=128, intermediate_size=384, num_hidden_layers=4, num_attention_heads=4,
                      num_key_value_heads=2, vocab_size=352, max_position_embeddings=512, bos_token_id=320,
                      eos_token_id=329)
    # head_std 1 lets a normalised hidden state reach logits of ~11: at 0.2 no adapter can make
    # any token likelier than ~3% (every method stays at 0 correct answers)
    W = make_weights(cfg, 2025, head_std=1.0)
    write_json(os.path.join(d, "config.json"), cfg)
    st.save(W, os.path.join(d, "model.safetensors"), {"format": "pt"})
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(FIXTURE_TOKENIZER, f), os.path.join(d, f))


def main():
    out = sys.argv[1]
    write_base(out)
    for i, (name, make) in enumerate(TASKS.items()):
        write_task(out, name, make, 100 + 10 * i)
    print("wrote", out)


if __name__ == "__main__":
    main()
