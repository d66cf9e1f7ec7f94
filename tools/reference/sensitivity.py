#!/usr/bin/python3
"""Self-check of the fixtures' power: re-run the reference with deliberate
implementation mistakes and report how far each moves the logits / argmax.
A fixture is only useful if the usual mistakes change the argmax somewhere.

    /usr/bin/python3 tools/reference/sensitivity.py
"""
import json
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import llama_ref as ref  # noqa: E402

FIX = os.path.join(HERE, "..", "..", "tests", "src", "test", "resources", "fixtures")


def golden(case):
    with open(os.path.join(FIX, "goldens", case + ".json")) as f:
        return json.load(f)


def run(case, patch=None, terms_fn=None):
    g = golden(case)
    cfg, W = ref.load_model(os.path.join(FIX, "models", g["model"]))
    ads = [ref.load_adapter(os.path.join(FIX, "adapters", a)) for a in g["adapters"]]
    saved = {}
    if patch:
        for k, v in patch.items():
            saved[k] = getattr(ref, k)
            setattr(ref, k, v)
    try:
        if terms_fn:
            terms = terms_fn(ads, g)
        else:
            terms = ref.combine(ads, g["weights"], g["combination"])
        lg = ref.forward(cfg, W, g["tokens"], terms)
    finally:
        for k, v in saved.items():
            setattr(ref, k, v)
    gl = torch.tensor(g["logits"], dtype=torch.float64)
    changed = int((lg.argmax(-1) != gl.argmax(-1)).sum())
    return float((lg - gl).abs().max()), changed, len(g["tokens"])


def interleaved_rope_cos_sin(cfg, T):
    inv = ref.inv_freq(cfg)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    return ang.repeat_interleave(2, -1).cos(), ang.repeat_interleave(2, -1).sin()


def rotate_pairs(x):
    x2 = x.reshape(*x.shape[:-1], -1, 2)
    return torch.stack([-x2[..., 1], x2[..., 0]], -1).reshape(x.shape)


orig_rii = torch.Tensor.repeat_interleave


def main():
    rows = []

    def report(name, res):
        d, c, n = res
        rows.append((name, d, c, n))
        print(f"{name:60s} max|dlogit| {d:10.4f}  argmax changed {c}/{n}")

    report("self-check gqa_f32 (must be ~0)", run("gqa_f32"))
    for case in ["mha_f32", "gqa_f32", "llama3rope_tied_f32", "sharded_f32", "headdim_f32"]:
        report(f"{case}: interleaved rope (pairs 2i,2i+1)",
               run(case, {"rope_cos_sin": interleaved_rope_cos_sin, "rotate_half": rotate_pairs}))
        report(f"{case}: no rope at all",
               run(case, {"rope_cos_sin": lambda cfg, T: (torch.ones(T, ref.head_dim(cfg), dtype=torch.float64),
                                                           torch.zeros(T, ref.head_dim(cfg), dtype=torch.float64))}))
    c3 = dict(json.load(open(os.path.join(FIX, "models", "llama3rope_tied_f32", "config.json"))))
    base_inv = ref.inv_freq
    report("llama3rope_tied_f32: rope_scaling ignored",
           run("llama3rope_tied_f32", {"inv_freq": lambda cfg: base_inv({**cfg, "rope_scaling": None})}))
    report("llama3rope_tied_f32: all freqs / factor (no smoothing)",
           run("llama3rope_tied_f32", {"inv_freq": lambda cfg: base_inv({**cfg, "rope_scaling": None}) / 8}))

    # wrong GQA mapping: query head h uses kv head h % nkv instead of h // g
    def bad_forward_factory():
        f0 = ref.forward

        def f(cfg, W, tokens, terms=None):
            torch.Tensor.repeat_interleave = lambda self, g, dim=0: self.repeat(g, 1, 1) if dim == 0 \
                else orig_rii(self, g, dim)
            try:
                return f0(cfg, W, tokens, terms)
            finally:
                torch.Tensor.repeat_interleave = orig_rii
        return f
    for case in ["gqa_f32", "llama3rope_tied_f32", "headdim_f32", "sharded_f32"]:
        report(f"{case}: GQA kv head h % nkv instead of h // g", run(case, {"forward": bad_forward_factory()}))

    for case, m in [("gqa_bf16", "gqa_f32"), ("gqa_f16", "gqa_f32")]:
        a = torch.tensor(golden(case)["logits"])
        b = torch.tensor(golden(m)["logits"])
        print(f"{case} vs {m} goldens: max|dlogit| {float((a - b).abs().max()):.4f}")

    # adapter semantics
    def scale_mut(fn):
        def t(ads, g):
            out = {}
            for ad in ads:
                for name, (A, B, s) in ad.items():
                    out.setdefault(name, []).append((A, B, fn(A, s)))
            return out
        return t
    report("rslora: alpha/r instead of alpha/sqrt(r)",
           run("gqa_f32+rslora", terms_fn=scale_mut(lambda A, s: s / math.sqrt(A.shape[0]))))
    report("patterns: scale 16/8 everywhere (patterns ignored)",
           run("gqa_f32+patterns", terms_fn=scale_mut(lambda A, s: 2.0)))
    report("lori_d: scale 1 instead of alpha/r",
           run("gqa_f32+lori_d", terms_fn=scale_mut(lambda A, s: 1.0)))
    report("linear merge computed like cat",
           run("gqa_f32+linear_lori_d_lori_d2", terms_fn=lambda ads, g: ref.combine(ads, g["weights"], "cat")))
    report("cat merge with weights ignored",
           run("gqa_f32+cat_lori_d_lori_s", terms_fn=lambda ads, g: ref.combine(ads, [1.0, 1.0], "cat")))
    report("lori_d_masked golden vs unmasked lori_d",
           run("gqa_f32+lori_d_masked",
               terms_fn=lambda ads, g: ref.combine([ref.load_adapter(os.path.join(FIX, "adapters", "lori_d"))],
                                                   [1.0], None)))
    report("tied_lori: adapter dropped",
           run("llama3rope_tied_f32+tied_lori", terms_fn=lambda ads, g: {}))
    report("subset: adapter dropped", run("gqa_f32+subset", terms_fn=lambda ads, g: {}))


if __name__ == "__main__":
    main()
