#!/usr/bin/python3
"""Training goldens: loss and gradients of every B (and A) and AdamW steps, float64 autograd.

    /usr/bin/python3 tools/reference/make_training_goldens.py

Deletes and rewrites tests/src/test/resources/fixtures/training/ (deterministic, ~10 s). Reads the
models and adapters that make_fixtures.py wrote; see train_ref.py for the semantics and
tools/reference/README.md ("Training goldens") for the cases.
"""
import json
import math
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import st  # noqa: E402
import llama_ref as ref  # noqa: E402
import train_ref  # noqa: E402
from make_fixtures import FIX, MODELS, ADAPTERS, MASKS, peft_config, write_json, make_lora, ALL7  # noqa: E402

OUT = os.path.join(FIX, "training")
PRE = "base_model.model."


def sequences(cfg, seed, count, min_len=5, max_len=12):
    """Random (tokens, prompt_len): prompt_len in [1, len-1] so every sequence has a response."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(count):
        n = int(torch.randint(min_len, max_len + 1, (1,), generator=g))
        toks = torch.randint(3, cfg["vocab_size"], (n,), generator=g).tolist()
        p = int(torch.randint(1, n, (1,), generator=g))
        out.append((toks, p))
    return out


def load(model, adapter_dir):
    cfg, W = ref.load_model(os.path.join(MODELS, model))
    return cfg, W, ref.load_adapter(adapter_dir, W)


def fresh(adapter):
    """LoRI-D from scratch: the adapter's A, B = 0 (PEFT init_lora_weights=True zeroes B)."""
    return {name: (A, torch.zeros_like(B), s) for name, (A, B, s) in adapter.items()}


def tensors_of(params, suffix=""):
    out = {}
    for name, p in params.items():
        for ab, t in sorted(p.items()):
            out[f"{PRE}{name}.lora_{ab}.weight{suffix}"] = t.to(torch.float32).contiguous()
    return out


def write_case(name, meta, tensors):
    write_json(os.path.join(OUT, "goldens", name + ".json"), meta)
    st.save(tensors, os.path.join(OUT, "goldens", name + ".safetensors"), {"format": "pt"})


def gradient_case(name, model, adapter_dir, train_a, from_scratch, seed, count=3):
    cfg, W, adapter = load(model, adapter_dir)
    if from_scratch:
        adapter = fresh(adapter)
    batch = sequences(cfg, seed, count)
    loss, grads = train_ref.gradients(cfg, W, adapter, batch, train_a)
    write_case(name, {
        "case": name, "kind": "gradients", "model": model, "adapter": os.path.relpath(adapter_dir, FIX),
        "from_scratch": from_scratch, "train_a": train_a,
        "batch": [{"tokens": t, "prompt_length": p} for t, p in batch],
        "loss": loss,
    }, tensors_of(grads))
    return name


def steps_case(name, model, adapter_dir, train_a, from_scratch, mask_file, seed, steps, batch_size,
               lr, warmup, max_grad_norm):
    cfg, W, adapter = load(model, adapter_dir)
    if from_scratch:
        adapter = fresh(adapter)
    masks = None
    if mask_file:
        mt, _ = st.load(os.path.join(FIX, mask_file))
        masks = {k[len(PRE):-len(".lora_B.weight")]: v.to(torch.bool) for k, v in mt.items()}
    data = sequences(cfg, seed, steps * batch_size)
    batches = [data[i * batch_size:(i + 1) * batch_size] for i in range(steps)]
    losses, final = train_ref.train(cfg, W, adapter, batches, train_a, masks, lr, warmup, max_grad_norm)
    write_case(name, {
        "case": name, "kind": "steps", "model": model, "adapter": os.path.relpath(adapter_dir, FIX),
        "from_scratch": from_scratch, "train_a": train_a, "mask": mask_file,
        "lr": lr, "warmup_steps": warmup, "max_grad_norm": max_grad_norm, "batch_size": batch_size,
        "batches": [[{"tokens": t, "prompt_length": p} for t, p in b] for b in batches],
        "losses": losses,
    }, tensors_of(final))
    return name


def make_adapter(model, name, r, alpha, seed):
    """An adapter with random A and B for a model whose shapes no fixture adapter fits."""
    cfg, _ = ref.load_model(os.path.join(MODELS, model))
    acfg = peft_config(model, r, alpha, ALL7)
    d = os.path.join(OUT, "adapters", name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "adapter_config.json"), "w") as f:
        f.write(json.dumps(acfg, indent=2, sort_keys=True))
    st.save(make_lora(cfg, acfg, seed, seed + 1, 0.1), os.path.join(d, "adapter_model.safetensors"), {"format": "pt"})
    return d


def main():
    torch.set_default_dtype(torch.float64)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(os.path.join(OUT, "goldens"))
    lori_d = os.path.join(ADAPTERS, "lori_d")
    cases = [
        # gradients of A and B (B non-zero, so A's gradient is too), GQA, HF layout
        gradient_case("grad_gqa_f32_lora", "gqa_f32", lori_d, True, False, 1),
        # LoRI-D from scratch (B = 0): B's gradient only
        gradient_case("grad_gqa_f32_lori_d", "gqa_f32", lori_d, False, True, 2),
        gradient_case("grad_gqa_bf16", "gqa_bf16", lori_d, True, False, 3),
        gradient_case("grad_mha_f32", "mha_f32", make_adapter("mha_f32", "mha_r8", 8, 16, 2000), True, False, 4),
        gradient_case("grad_llama3rope_tied", "llama3rope_tied_f32", os.path.join(ADAPTERS, "tied_lori"), True, False, 5),
        gradient_case("grad_headdim_f32", "headdim_f32", make_adapter("headdim_f32", "headdim_r4", 4, 16, 3000), True, False, 6),
        # one AdamW step of LoRI-D from scratch (LoRI's defaults: lr 5e-5, no warm-up, clip 1)
        steps_case("step1_lori_d", "gqa_f32", lori_d, False, True, None, 7, 1, 2, 5e-5, 0, 1.0),
        # ten steps of plain LoRA (A trained), warm-up 3 and a clip that bites
        steps_case("steps10_lora", "gqa_f32", lori_d, True, False, None, 8, 10, 2, 1e-3, 3, 0.05),
        # ten steps of LoRI-S from scratch under the 0.9 mask: masked entries stay exactly 0
        steps_case("steps10_lori_s", "gqa_f32", lori_d, False, True, "masks/lori_d_0.9_mask.safetensors", 9, 10, 2,
                   1e-3, 3, 1.0),
        # continual: from a trained adapter, under a mask (masked entries keep their start values)
        steps_case("steps10_continual_masked", "gqa_f32", lori_d, False, False, "masks/lori_d_0.9_mask.safetensors", 10,
                   10, 2, 1e-3, 0, 1.0),
    ]
    write_json(os.path.join(OUT, "goldens", "index.json"), {"cases": cases})
    # LoRI's own mask format (extract_mask.py: torch.save of bool tensors keyed ...lora_B.default.weight),
    # holding the same mask as masks/lori_d_0.9_mask.safetensors
    os.makedirs(os.path.join(OUT, "masks"))
    mt, _ = st.load(os.path.join(MASKS, "lori_d_0.9_mask.safetensors"))
    torch.save({k.replace(".lora_B.weight", ".lora_B.default.weight"): v.to(torch.bool) for k, v in mt.items()},
               os.path.join(OUT, "masks", "0.9_mask.pt"))
    print("wrote", len(cases), "training cases to", OUT)


if __name__ == "__main__":
    main()
