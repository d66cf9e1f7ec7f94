#!/usr/bin/python3
"""Regenerate every fixture under tests/src/test/resources/fixtures/ (deterministic).

    /usr/bin/python3 tools/reference/make_fixtures.py

Writes tiny HF Llama checkpoints, PEFT 0.12 LoRI adapters, a LoRI mask and
float64 goldens. Goldens are computed by re-reading the written files (see
llama_ref.py), so they describe exactly what is on disk.
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

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIX = os.path.join(ROOT, "tests", "src", "test", "resources", "fixtures")
MODELS = os.path.join(FIX, "models")
ADAPTERS = os.path.join(FIX, "adapters")
GOLDENS = os.path.join(FIX, "goldens")
MASKS = os.path.join(FIX, "masks")

VOCAB = 256
N_GREEDY = 10


def fmt(x):
    return float(f"{x:.8g}")


def write_json(path, obj, indent=2):
    with open(path, "w") as f:
        json.dump(obj, f, indent=indent)
        f.write("\n")


# ---------------------------------------------------------------- base models

def base_config(**kw):
    cfg = {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "hidden_act": "silu",
        "hidden_size": 64,
        "initializer_range": 0.02,
        "intermediate_size": 192,
        "max_position_embeddings": 128,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 4,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_scaling": None,
        "rope_theta": 500000.0,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
        "transformers_version": "4.45.2",
        "use_cache": True,
        "vocab_size": VOCAB,
    }
    cfg.update(kw)
    return dict(sorted(cfg.items()))


def make_weights(cfg, seed, out_scale=1.0, head_std=2.0):
    """Random float32 weights with HF names. Scales chosen so attention is sharp
    (layout mistakes change the argmax) and logits are well spread."""
    g = torch.Generator().manual_seed(seed)
    H = cfg["hidden_size"]
    I = cfg["intermediate_size"]
    nh = cfg["num_attention_heads"]
    nkv = cfg["num_key_value_heads"]
    hd = ref.head_dim(cfg)
    V = cfg["vocab_size"]

    def n(shape, std):
        return torch.randn(shape, generator=g, dtype=torch.float32) * std

    def norm_w(dim):
        return 1.0 + (torch.rand(dim, generator=g, dtype=torch.float32) * 2 - 1) * 0.1

    W = {"model.embed_tokens.weight": n((V, H), 1.0)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}"
        W[p + ".input_layernorm.weight"] = norm_w(H)
        W[p + ".self_attn.q_proj.weight"] = n((nh * hd, H), 2.0 / math.sqrt(H))
        W[p + ".self_attn.k_proj.weight"] = n((nkv * hd, H), 2.0 / math.sqrt(H))
        W[p + ".self_attn.v_proj.weight"] = n((nkv * hd, H), 1.0 / math.sqrt(H))
        W[p + ".self_attn.o_proj.weight"] = n((H, nh * hd), out_scale / math.sqrt(nh * hd))
        W[p + ".post_attention_layernorm.weight"] = norm_w(H)
        W[p + ".mlp.gate_proj.weight"] = n((I, H), 1.0 / math.sqrt(H))
        W[p + ".mlp.up_proj.weight"] = n((I, H), 1.0 / math.sqrt(H))
        W[p + ".mlp.down_proj.weight"] = n((H, I), out_scale / math.sqrt(I))
    W["model.norm.weight"] = norm_w(H)
    if not cfg["tie_word_embeddings"]:
        W["lm_head.weight"] = n((V, H), head_std / math.sqrt(H))
    return W


TORCH_DT = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}

MODEL_SPECS = {
    "mha_f32": dict(seed=101, cfg=dict(num_attention_heads=4, num_key_value_heads=4)),
    "gqa_f32": dict(seed=102, cfg=dict(num_attention_heads=8, num_key_value_heads=2, head_dim=8)),
    # tied: larger o_proj/down_proj so the layers, not the input token's own embedding, decide the argmax
    "llama3rope_tied_f32": dict(seed=103, out_scale=3.0, cfg=dict(
        num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True, rope_theta=100.0,
        eos_token_id=[2, 3],
        rope_scaling={"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                      "original_max_position_embeddings": 16, "rope_type": "llama3"})),
    # same random weights as gqa_f32 (seed 102), stored in lower precision
    "gqa_bf16": dict(seed=102, cfg=dict(num_attention_heads=8, num_key_value_heads=2, head_dim=8,
                                        torch_dtype="bfloat16")),
    "gqa_f16": dict(seed=102, cfg=dict(num_attention_heads=8, num_key_value_heads=2, head_dim=8,
                                       torch_dtype="float16")),
    "sharded_f32": dict(seed=106, cfg=dict(num_attention_heads=4, num_key_value_heads=2, rope_theta=10000.0),
                        shards=2),
    "headdim_f32": dict(seed=107, cfg=dict(num_attention_heads=4, num_key_value_heads=2, head_dim=32)),
}


def write_model(name, spec):
    d = os.path.join(MODELS, name)
    os.makedirs(d, exist_ok=True)
    cfg = base_config(**spec["cfg"])
    W = make_weights(cfg, spec["seed"], spec.get("out_scale", 1.0))
    dt = TORCH_DT[cfg["torch_dtype"]]
    W = {k: v.to(dt) for k, v in W.items()}
    write_json(os.path.join(d, "config.json"), cfg)
    meta = {"format": "pt"}
    if spec.get("shards"):
        names = sorted(W)
        part1 = [k for k in names if k.startswith("model.embed_tokens") or k.startswith("model.layers.0.")]
        part2 = [k for k in names if k not in part1]
        files = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
        wm = {}
        total = 0
        for fn, keys in zip(files, [part1, part2]):
            total += st.save({k: W[k] for k in keys}, os.path.join(d, fn), meta)
            for k in keys:
                wm[k] = fn
        write_json(os.path.join(d, "model.safetensors.index.json"),
                   {"metadata": {"total_size": total}, "weight_map": dict(sorted(wm.items()))})
    else:
        st.save(W, os.path.join(d, "model.safetensors"), meta)
    return cfg


# ---------------------------------------------------------------- adapters

def peft_config(base, r, alpha, targets, **kw):
    """adapter_config.json as PEFT 0.12 LoraConfig.save_pretrained writes it
    (json.dumps(indent=2, sort_keys=True))."""
    c = {
        "alpha_pattern": {},
        "auto_mapping": None,
        "base_model_name_or_path": base,
        "bias": "none",
        "fan_in_fan_out": False,
        "inference_mode": True,
        "init_lora_weights": True,
        "layer_replication": None,
        "layers_pattern": None,
        "layers_to_transform": None,
        "loftq_config": {},
        "lora_alpha": alpha,
        "lora_dropout": 0.05,
        "megatron_config": None,
        "megatron_core": "megatron.core",
        "modules_to_save": None,
        "peft_type": "LORA",
        "r": r,
        "rank_pattern": {},
        "revision": None,
        "target_modules": list(targets),
        "task_type": "CAUSAL_LM",
        "use_dora": False,
        "use_rslora": False,
    }
    c.update(kw)
    return c


def write_adapter(name, acfg, tensors):
    d = os.path.join(ADAPTERS, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "adapter_config.json"), "w") as f:
        f.write(json.dumps(acfg, indent=2, sort_keys=True))
    st.save(tensors, os.path.join(d, "adapter_model.safetensors"), {"format": "pt"})


def lora_key(mod, ab):
    return f"base_model.model.{mod}.lora_{ab}.weight"


def module_dims(cfg, proj):
    H = cfg["hidden_size"]
    I = cfg["intermediate_size"]
    hd = ref.head_dim(cfg)
    q = cfg["num_attention_heads"] * hd
    kv = cfg["num_key_value_heads"] * hd
    return {"q_proj": (H, q), "k_proj": (H, kv), "v_proj": (H, kv), "o_proj": (q, H),
            "gate_proj": (H, I), "up_proj": (H, I), "down_proj": (I, H)}[proj]  # (in, out)


def make_lora(cfg, acfg, seed_a, seed_b, b_std, b_density=1.0):
    """A ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform a=sqrt(5)), B ~ N(0, b_std)
    optionally with an exact random zero mask (density = fraction nonzero)."""
    ga = torch.Generator().manual_seed(seed_a)
    gb = torch.Generator().manual_seed(seed_b)
    layers = acfg["layers_to_transform"]
    if layers is None:
        layers = list(range(cfg["num_hidden_layers"]))
    out = {}
    for i in range(cfg["num_hidden_layers"]):
        for proj in ref.PROJ:  # fixed generation order, independent of target_modules order
            mod = ref.module_name(i, proj)
            fin, fout = module_dims(cfg, proj)
            r, _ = ref._resolve_r_alpha(acfg, mod)
            bound = 1.0 / math.sqrt(fin)
            A = (torch.rand((r, fin), generator=ga, dtype=torch.float32) * 2 - 1) * bound
            B = torch.randn((fout, r), generator=gb, dtype=torch.float32) * b_std
            if b_density < 1.0:
                n = B.numel()
                keep = round(n * b_density)
                perm = torch.randperm(n, generator=gb)
                m = torch.zeros(n, dtype=torch.bool)
                m[perm[:keep]] = True
                B = B * m.view_as(B)
            if proj in acfg["target_modules"] and i in layers:
                out[lora_key(mod, "A")] = A
                out[lora_key(mod, "B")] = B
    return out


ALL7 = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def make_adapters(cfgs):
    gcfg = cfgs["gqa_f32"]
    made = {}

    # lori_d: dense B
    a = peft_config("gqa_f32", 8, 16, ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    t_d = make_lora(gcfg, a, 1000, 1001, 0.15)
    write_adapter("lori_d", a, t_d)
    made["lori_d"] = "gqa_f32"

    # lori_s: 90% exact zeros in B, own A (different seed)
    a = peft_config("gqa_f32", 8, 16, ["down_proj", "up_proj", "gate_proj", "o_proj", "v_proj", "k_proj", "q_proj"])
    write_adapter("lori_s", a, make_lora(gcfg, a, 2000, 2001, 0.45, b_density=0.1))
    made["lori_s"] = "gqa_f32"

    # lori_d2: same A as lori_d (same A seed), different B
    a = peft_config("gqa_f32", 8, 16, ["v_proj", "gate_proj", "q_proj", "down_proj", "k_proj", "up_proj", "o_proj"])
    t_d2 = make_lora(gcfg, a, 1000, 3001, 0.15)
    for k in t_d2:
        if ".lora_A." in k:
            assert torch.equal(t_d2[k], t_d[k])
    write_adapter("lori_d2", a, t_d2)
    made["lori_d2"] = "gqa_f32"

    # rslora: r 4, alpha 8, scale alpha/sqrt(r) = 4
    a = peft_config("gqa_f32", 4, 8, ["o_proj", "q_proj", "up_proj", "k_proj", "down_proj", "v_proj", "gate_proj"],
                    use_rslora=True)
    write_adapter("rslora", a, make_lora(gcfg, a, 4000, 4001, 0.08))
    made["rslora"] = "gqa_f32"

    # patterns: rank_pattern / alpha_pattern (PEFT 0.12 regex ".*\.{key}$").
    # NOTE: the down_proj key is "layers.1.mlp.down_proj" (not "model.layers.1.mlp.down_proj"):
    # PEFT 0.12 matches against module names like "model.layers.1.mlp.down_proj", and
    # ".*\.model\.layers..." cannot match a name that *starts* with "model" (fixed only in
    # PEFT 0.15 with "(.*\.)?key$"). The shorter key resolves identically under every version.
    a = peft_config("gqa_f32", 8, 16, ["gate_proj", "k_proj", "q_proj", "o_proj", "v_proj", "down_proj", "up_proj"],
                    rank_pattern={"q_proj": 4, "layers.1.mlp.down_proj": 2},
                    alpha_pattern={"v_proj": 32})
    write_adapter("patterns", a, make_lora(gcfg, a, 5000, 5001, 0.15))
    made["patterns"] = "gqa_f32"

    # subset: only v,q,down of layer 1
    a = peft_config("gqa_f32", 8, 16, ["v_proj", "q_proj", "down_proj"], layers_to_transform=[1])
    write_adapter("subset", a, make_lora(gcfg, a, 6000, 6001, 0.25))
    made["subset"] = "gqa_f32"

    # with_pad_embeddings: lori_d tensors + full embed_tokens / lm_head with an extra <PAD> row
    base, _ = st.load(os.path.join(MODELS, "gqa_f32", "model.safetensors"))
    g = torch.Generator().manual_seed(7000)
    t = dict(t_d)
    H = gcfg["hidden_size"]
    t["base_model.model.model.embed_tokens.weight"] = torch.cat(
        [base["model.embed_tokens.weight"], torch.randn((1, H), generator=g)], 0)
    t["base_model.model.lm_head.weight"] = torch.cat(
        [base["lm_head.weight"], torch.randn((1, H), generator=g)], 0)
    a = peft_config("gqa_f32", 8, 16, ["up_proj", "q_proj", "v_proj", "k_proj", "o_proj", "down_proj", "gate_proj"])
    write_adapter("with_pad_embeddings", a, t)
    made["with_pad_embeddings"] = "gqa_f32"

    # tied_lori for the llama3-rope tied model
    tcfg = cfgs["llama3rope_tied_f32"]
    a = peft_config("llama3rope_tied_f32", 4, 8, ["k_proj", "gate_proj", "q_proj", "v_proj", "up_proj", "o_proj", "down_proj"])
    write_adapter("tied_lori", a, make_lora(tcfg, a, 8000, 8001, 0.2))
    made["tied_lori"] = "llama3rope_tied_f32"
    return made


# ---------------------------------------------------------------- mask (LoRI extract_mask.py::get_model_mask)

def make_mask(adapter, sparsity, write_masked=True):
    """One global threshold over |B| of all lora_B tensors (float32):
    k = int((1 - s) * N); threshold = torch.topk(all_abs, k).values[-1] (k-th largest);
    mask = |B| >= threshold (ties at the threshold are all kept)."""
    t, _ = st.load(os.path.join(ADAPTERS, adapter, "adapter_model.safetensors"))
    bkeys = sorted(k for k in t if k.endswith(".lora_B.weight"))
    allabs = torch.cat([t[k].abs().reshape(-1) for k in bkeys])
    total = allabs.numel()
    k = int((1 - sparsity) * total)
    thr = torch.topk(allabs, k).values[-1]
    masks = {key: (t[key].abs() >= thr) for key in bkeys}
    retained = sum(int(m.sum()) for m in masks.values())
    os.makedirs(MASKS, exist_ok=True)
    tag = f"{adapter}_{sparsity}"
    st.save(masks, os.path.join(MASKS, f"{tag}_mask.safetensors"), {"format": "pt"})
    per_module = {}
    for key, m in masks.items():
        mod = key[len("base_model.model."):-len(".lora_B.weight")]
        per_module[mod] = fmt(int(m.sum()) / m.numel())
    per_proj = {}
    for proj in ref.PROJ:
        ks = [key for key in bkeys if f".{proj}." in key]
        per_proj[proj] = fmt(sum(int(masks[x].sum()) for x in ks) / sum(masks[x].numel() for x in ks))
    write_json(os.path.join(MASKS, f"{tag}_density.json"), {
        "adapter": adapter, "sparsity_ratio": sparsity, "total": total, "k": k,
        "threshold": float(thr), "retained": retained, "overall": fmt(retained / total),
        "per_projection": per_proj, "per_module": per_module})
    if not write_masked:
        return None, retained, total, k, float(thr)
    # masked adapter: B zeroed outside the mask, A unchanged, same config
    with open(os.path.join(ADAPTERS, adapter, "adapter_config.json")) as f:
        acfg = json.load(f)
    mt = dict(t)
    for key, m in masks.items():
        mt[key] = t[key] * m
    name = f"{adapter}_masked"
    write_adapter(name, acfg, mt)
    return name, retained, total, k, float(thr)


# ---------------------------------------------------------------- goldens

TOKENS_SEED = 424242


def case_tokens(cfg):
    g = torch.Generator().manual_seed(TOKENS_SEED)
    toks = [cfg["bos_token_id"]] + torch.randint(4, cfg["vocab_size"], (11,), generator=g).tolist()
    prompts = [[cfg["bos_token_id"]] + torch.randint(4, cfg["vocab_size"], (3,), generator=g).tolist()
               for _ in range(8)]
    return toks, prompts


def eos_set(cfg):
    e = cfg["eos_token_id"]
    return set(e if isinstance(e, list) else [e])


def make_golden(case, model, adapters, weights, combination, cache):
    if model not in cache:
        cache[model] = ref.load_model(os.path.join(MODELS, model))
    cfg, W = cache[model]
    ads = [ref.load_adapter(os.path.join(ADAPTERS, a), W) for a in adapters]
    terms = ref.combine(ads, weights, combination)
    toks, prompts = case_tokens(cfg)
    logits = ref.forward(cfg, W, toks, terms)
    assert torch.isfinite(logits).all()
    # among fixed candidate prompts, the first one with the most distinct greedy tokens whose
    # continuation never emits an EOS id (no stop ambiguity, no degenerate fixed point)
    best = None
    for prompt in prompts:
        margins = []
        gen = ref.greedy(cfg, W, prompt, N_GREEDY, terms, margins)
        if set(gen) & eos_set(cfg):
            continue
        if best is None or len(set(gen)) > len(set(best[1])):
            best = (prompt, gen, min(margins))
    if best is None:
        raise RuntimeError(f"{case}: every prompt hits EOS")
    prompt, gen, gmargin = best
    top2 = logits.topk(2, -1).values
    gold = {
        "case": case,
        "model": model,
        "adapters": adapters,
        "weights": weights,
        "combination": combination,
        "tokens": toks,
        "argmax": [int(v) for v in logits.argmax(-1)],
        "greedy_prompt": prompt,
        "greedy_tokens": gen,
        "min_argmax_margin": fmt(float((top2[:, 0] - top2[:, 1]).min())),
        "min_greedy_margin": fmt(gmargin),
        "logits": [[fmt(v) for v in row] for row in logits.tolist()],
    }
    with open(os.path.join(GOLDENS, case + ".json"), "w") as f:
        f.write("{\n")
        for k, v in gold.items():
            if k != "logits":
                f.write(f" {json.dumps(k)}: {json.dumps(v)},\n")
        f.write(' "logits": [\n')
        f.write(",\n".join("  " + json.dumps(row, separators=(",", ":")) for row in gold["logits"]))
        f.write("\n ]\n}\n")
    return gold, logits


def main():
    for d in (MODELS, ADAPTERS, GOLDENS, MASKS):
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
    cfgs = {name: write_model(name, spec) for name, spec in MODEL_SPECS.items()}
    made = make_adapters(cfgs)
    mname, retained, total, k, thr = make_mask("lori_d", 0.9)
    made[mname] = "gqa_f32"
    print(f"mask lori_d 0.9: N={total} k={k} threshold={thr:.9g} retained={retained}")
    # tie edge case: lori_s has ~90% exact zeros, so at s=0.85 the k-th largest |B| is 0 and
    # ">= threshold" keeps every entry (retained == N)
    _, r2, t2, k2, thr2 = make_mask("lori_s", 0.85, write_masked=False)
    assert thr2 == 0.0 and r2 == t2
    print(f"mask lori_s 0.85: N={t2} k={k2} threshold={thr2:.9g} retained={r2}")

    cases = []
    for m in MODEL_SPECS:
        cases.append((m, m, [], [], None))
    for a, m in made.items():
        cases.append((f"{m}+{a}", m, [a], [1.0], None))
    cases.append(("gqa_f32+cat_lori_d_lori_s", "gqa_f32", ["lori_d", "lori_s"], [0.6, 0.4], "cat"))
    cases.append(("gqa_f32+linear_lori_d_lori_d2", "gqa_f32", ["lori_d", "lori_d2"], [0.5, 0.5], "linear"))
    cases.append(("gqa_f32+cat_lori_d_rslora", "gqa_f32", ["lori_d", "rslora"], [1.0, 1.0], "cat"))
    cases.append(("gqa_f32+cat_lori_d_lori_d2", "gqa_f32", ["lori_d", "lori_d2"], [0.7, 0.3], "cat"))

    cache = {}
    index = []
    base_logits = {}
    for case, m, ads, ws, comb in cases:
        gold, logits = make_golden(case, m, ads, ws, comb, cache)
        if not ads:
            base_logits[m] = logits
        else:
            b = base_logits[m]
            changed = int((logits.argmax(-1) != b.argmax(-1)).sum())
            print(f"{case:40s} max|dlogit| vs base {float((logits - b).abs().max()):8.4f}  "
                  f"argmax changed at {changed}/{len(gold['tokens'])}")
        index.append({"case": case, "file": case + ".json", "model": m, "adapters": ads, "weights": ws,
                      "combination": comb})
        print(f"{case:40s} argmax {gold['argmax']} greedy {gold['greedy_tokens']}")
    write_json(os.path.join(GOLDENS, "index.json"), {
        "description": "float64 reference logits (HF LlamaForCausalLM semantics, unmerged LoRA terms); "
                       "see tools/reference/README.md",
        "models": {m: {"dir": f"models/{m}", "torch_dtype": cfgs[m]["torch_dtype"],
                       "sharded": bool(MODEL_SPECS[m].get("shards"))} for m in MODEL_SPECS},
        "adapters": {a: {"dir": f"adapters/{a}", "base": b} for a, b in made.items()},
        "masks": [{"adapter": "lori_d", "sparsity_ratio": 0.9, "mask": "masks/lori_d_0.9_mask.safetensors",
                   "density": "masks/lori_d_0.9_density.json", "masked_adapter": "adapters/lori_d_masked"},
                  {"adapter": "lori_s", "sparsity_ratio": 0.85, "mask": "masks/lori_s_0.85_mask.safetensors",
                   "density": "masks/lori_s_0.85_density.json", "masked_adapter": None,
                   "note": "threshold is 0 (ties with the exact zeros of lori_s): '>=' keeps all entries"}],
        "cases": index})


if __name__ == "__main__":
    main()
