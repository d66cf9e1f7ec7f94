"""Independent float64 reference for Llama (HF LlamaForCausalLM semantics) with
unmerged LoRA/LoRI adapters (PEFT 0.12 conventions).

Everything is computed in float64 from the weights as stored (a BF16/F16
checkpoint is upcast after its own rounding), so results are the exact answer
for the stored weights up to float64 rounding.
"""
import json
import math
import os
import re

import torch

import st

PROJ = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
ATTN = {"q_proj", "k_proj", "v_proj", "o_proj"}


def module_name(layer, proj):
    return f"model.layers.{layer}.{'self_attn' if proj in ATTN else 'mlp'}.{proj}"


# ---------------------------------------------------------------- loading

def load_model(model_dir):
    """-> (config dict, {HF tensor name: float64 tensor})."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    idx = os.path.join(model_dir, "model.safetensors.index.json")
    tensors = {}
    if os.path.exists(idx):
        with open(idx) as f:
            wm = json.load(f)["weight_map"]
        for fn in sorted(set(wm.values())):
            t, _ = st.load(os.path.join(model_dir, fn))
            for k, v in t.items():
                assert wm.get(k) == fn, f"{k} not mapped to {fn}"
                tensors[k] = v
        assert set(wm) == set(tensors), "index weight_map and shard contents differ"
    else:
        tensors, _ = st.load(os.path.join(model_dir, "model.safetensors"))
    return cfg, {k: v.to(torch.float64) for k, v in tensors.items()}


def _resolve_r_alpha(acfg, name):
    """PEFT 0.12 LoraModel._create_and_replace: the first key (rank_pattern keys,
    then alpha_pattern keys) with re.match(rf".*\\.{key}$", name) selects the
    entries of both dicts; missing entries fall back to r / lora_alpha."""
    rp = acfg.get("rank_pattern") or {}
    ap = acfg.get("alpha_pattern") or {}
    keys = list(rp.keys()) + list(ap.keys())
    k = next((k for k in keys if re.match(rf".*\.{k}$", name)), name)
    return rp.get(k, acfg["r"]), ap.get(k, acfg["lora_alpha"])


def adapter_scale(acfg, name):
    r, alpha = _resolve_r_alpha(acfg, name)
    if acfg.get("use_rslora"):
        return r, alpha / math.sqrt(r)
    return r, alpha / r


def load_adapter(adapter_dir, base_tensors=None):
    """-> {module name: (A float64 [r,in], B float64 [out,r], scale)}."""
    with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
        acfg = json.load(f)
    assert acfg["peft_type"] == "LORA" and not acfg.get("use_dora") and not acfg.get("fan_in_fan_out")
    t, _ = st.load(os.path.join(adapter_dir, "adapter_model.safetensors"))
    out = {}
    pre = "base_model.model."
    for k, v in t.items():
        assert k.startswith(pre), k
        if k.endswith(".lora_A.weight"):
            name = k[len(pre):-len(".lora_A.weight")]
            A = v.to(torch.float64)
            B = t[k.replace(".lora_A.weight", ".lora_B.weight")].to(torch.float64)
            r, s = adapter_scale(acfg, name)
            assert A.shape[0] == r == B.shape[1], (name, A.shape, B.shape, r)
            out[name] = (A, B, s)
        elif k.endswith(".lora_B.weight"):
            continue
        else:
            # full embed_tokens / lm_head copies (added <PAD> row): rows 0..V-1 must equal the base
            if base_tensors is not None:
                bk = k[len(pre):]
                if bk in base_tensors:
                    base = base_tensors[bk]
                    assert torch.equal(v.to(torch.float64)[: base.shape[0]], base), k
    return out


def combine(adapters, weights, combination):
    """adapters: list of load_adapter() dicts -> {module: [(A, B, scale), ...]}
    None: single adapter as is. cat: dW = sum_i w_i s_i B_i A_i.
    linear: A = sum sqrt(w_i s_i) A_i, B = sum sqrt(w_i s_i) B_i, dW = B A (PEFT add_weighted_adapter)."""
    terms = {}
    if combination is None:
        assert len(adapters) <= 1
        for ad in adapters:
            for name, (A, B, s) in ad.items():
                terms.setdefault(name, []).append((A, B, s))
    elif combination == "cat":
        for ad, w in zip(adapters, weights):
            for name, (A, B, s) in ad.items():
                terms.setdefault(name, []).append((A, B, w * s))
    elif combination == "linear":
        names = set()
        for ad in adapters:
            names |= set(ad)
        for name in names:
            As, Bs = [], []
            for ad, w in zip(adapters, weights):
                if name in ad:
                    A, B, s = ad[name]
                    c = math.sqrt(w * s)
                    As.append(c * A)
                    Bs.append(c * B)
            terms[name] = [(sum(As), sum(Bs), 1.0)]
    else:
        raise ValueError(combination)
    return terms


# ---------------------------------------------------------------- model

def head_dim(cfg):
    return cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]


def inv_freq(cfg):
    hd = head_dim(cfg)
    theta = float(cfg.get("rope_theta", 10000.0))
    inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    rs = cfg.get("rope_scaling")
    if rs:
        rtype = rs.get("rope_type", rs.get("type"))
        if rtype == "llama3":
            factor = float(rs["factor"])
            lo = float(rs["low_freq_factor"])
            hi = float(rs["high_freq_factor"])
            old = float(rs["original_max_position_embeddings"])
            low_wl = old / lo
            high_wl = old / hi
            new = []
            for f in inv.tolist():
                wl = 2 * math.pi / f
                if wl < high_wl:
                    new.append(f)
                elif wl > low_wl:
                    new.append(f / factor)
                else:
                    smooth = (old / wl - lo) / (hi - lo)
                    new.append((1 - smooth) * f / factor + smooth * f)
            inv = torch.tensor(new, dtype=torch.float64)
        elif rtype not in (None, "default"):
            raise ValueError(f"unsupported rope_scaling {rs}")
    return inv


def rope_cos_sin(cfg, T):
    inv = inv_freq(cfg)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    emb = torch.cat([ang, ang], dim=-1)  # [T, hd]
    return emb.cos(), emb.sin()


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


def rmsnorm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def forward(cfg, W, tokens, terms=None):
    """Logits [T, V] (float64) for the token list, all positions, causal."""
    terms = terms or {}
    H = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads", nh)
    hd = head_dim(cfg)
    eps = cfg["rms_norm_eps"]
    assert cfg.get("hidden_act", "silu") == "silu"
    T = len(tokens)
    x = W["model.embed_tokens.weight"][torch.tensor(tokens)]
    cos, sin = rope_cos_sin(cfg, T)
    mask = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
    g = nh // nkv

    def lin(name, inp):
        y = inp @ W[name + ".weight"].T
        for A, B, s in terms.get(name, []):
            y = y + s * ((inp @ A.T) @ B.T)
        return y

    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}"
        h = rmsnorm(x, W[p + ".input_layernorm.weight"], eps)
        q = lin(p + ".self_attn.q_proj", h).view(T, nh, hd).transpose(0, 1)
        k = lin(p + ".self_attn.k_proj", h).view(T, nkv, hd).transpose(0, 1)
        v = lin(p + ".self_attn.v_proj", h).view(T, nkv, hd).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(g, dim=0)  # kv head j -> query heads j*g .. j*g+g-1
        v = v.repeat_interleave(g, dim=0)
        sc = q @ k.transpose(1, 2) / math.sqrt(hd) + mask
        att = torch.softmax(sc, dim=-1) @ v  # [nh, T, hd]
        att = att.transpose(0, 1).reshape(T, nh * hd)
        x = x + lin(p + ".self_attn.o_proj", att)
        h = rmsnorm(x, W[p + ".post_attention_layernorm.weight"], eps)
        gt = lin(p + ".mlp.gate_proj", h)
        up = lin(p + ".mlp.up_proj", h)
        x = x + lin(p + ".mlp.down_proj", torch.nn.functional.silu(gt) * up)
    x = rmsnorm(x, W["model.norm.weight"], eps)
    if cfg.get("tie_word_embeddings"):
        assert "lm_head.weight" not in W
        head = W["model.embed_tokens.weight"]
    else:
        head = W["lm_head.weight"]
    return x @ head.T


def greedy(cfg, W, prompt, n, terms=None, margins=None):
    """n greedy tokens after prompt (no EOS stop). If margins is a list, the
    top1 - top2 logit gap of every step is appended to it."""
    seq = list(prompt)
    out = []
    for _ in range(n):
        lg = forward(cfg, W, seq, terms)[-1]
        nxt = int(torch.argmax(lg))
        if margins is not None:
            tv = lg.topk(2).values
            margins.append(float(tv[0] - tv[1]))
        seq.append(nxt)
        out.append(nxt)
    return out
