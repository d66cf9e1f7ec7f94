#!/usr/bin/python3
"""Verify an exported (merged) HF Llama checkpoint against a golden JSON with the
independent float64 reference.

    /usr/bin/python3 tools/reference/check_export.py CHECKPOINT_DIR GOLDEN.json [--tol 1e-3] [--greedy]

CHECKPOINT_DIR holds config.json and model.safetensors, or
model.safetensors.index.json plus its shards (any of F32/F16/BF16).
The golden's adapters are NOT applied: the checkpoint is expected to contain
them merged (e.g. gqa_f32 + cat(lori_d, lori_s, [0.6, 0.4]) vs
goldens/gqa_f32+cat_lori_d_lori_s.json). Prints the max abs logit difference over
all positions and whether the argmax (and with --greedy the greedy tokens) agree.
Exit status 0 when max diff <= tol and argmax agrees, else 1.
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import llama_ref as ref  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("golden")
    ap.add_argument("--tol", type=float, default=1e-3)
    ap.add_argument("--greedy", action="store_true", help="also check the greedy continuation")
    a = ap.parse_args()
    with open(a.golden) as f:
        g = json.load(f)
    cfg, W = ref.load_model(a.checkpoint)
    logits = ref.forward(cfg, W, g["tokens"])
    gl = torch.tensor(g["logits"], dtype=torch.float64)
    if logits.shape != gl.shape:
        print(f"shape mismatch: checkpoint logits {tuple(logits.shape)} vs golden {tuple(gl.shape)}")
        return 1
    diff = float((logits - gl).abs().max())
    am = [int(v) for v in logits.argmax(-1)]
    ok = diff <= a.tol and am == g["argmax"]
    print(f"max_abs_diff {diff:.3e} (tol {a.tol:g}) argmax {'match' if am == g['argmax'] else 'MISMATCH'}")
    if a.greedy:
        gen = ref.greedy(cfg, W, g["greedy_prompt"], len(g["greedy_tokens"]))
        gok = gen == g["greedy_tokens"]
        ok = ok and gok
        print(f"greedy {'match' if gok else 'MISMATCH'} {gen}")
    print("OK" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
