"""Independent float64 reference for LoRI training (torch autograd, no project code).

Semantics read from github.com/juzhengz/LoRI (commit 9183468):
- src/train_lori.py: LoRA on all seven projections, lora_A frozen (requires_grad=False) unless
  training plain LoRA; dropout disabled (disable_dropout); an archive (continual learning) is loaded
  with its A and B, B trainable.
- src/mask_trainers.py::_get_batch_logps: labels[:, 1:] against logits[:, :-1], -100 ignored, the
  per-sequence SUM of log p (average_log_prob=False); loss = -logps, .mean() over the batch.
- src/apply_mask_in_backward.py::MaskedAdamW: one optimizer per parameter; the masked-out grad
  entries set to 0, then clip_grad_norm_(param, max_grad_norm) on that parameter alone, then
  torch.optim.AdamW.step, then its own LambdaLR.step; lambda min(1, (step+1)/(warmup+1)).
"""
import torch

import llama_ref as ref


def lora_forward_terms(trainable, scales):
    """{module: [(A, B, scale)]} from {module: {"A": tensor, "B": tensor}}."""
    return {name: [(p["A"], p["B"], scales[name])] for name, p in trainable.items()}


def sequence_loss(cfg, W, trainable, scales, tokens, prompt_len):
    """-sum of log p(token[t+1] | tokens[..t]) over response tokens (t+1 >= prompt_len)."""
    logits = ref.forward(cfg, W, tokens, lora_forward_terms(trainable, scales))
    logp = torch.log_softmax(logits[:-1], dim=-1)
    targets = torch.tensor(tokens[1:])
    picked = logp.gather(1, targets[:, None])[:, 0]
    keep = torch.arange(1, len(tokens)) >= prompt_len
    return -(picked * keep).sum()


def batch_loss(cfg, W, trainable, scales, batch):
    """Mean over the batch of each sequence's summed response NLL (SFT loss of LoRI)."""
    losses = [sequence_loss(cfg, W, trainable, scales, toks, p) for toks, p in batch]
    return torch.stack(losses).mean()


def make_trainable(adapter, train_a):
    """adapter: {module: (A, B, scale)} (float64) -> ({module: {"A","B"}}, {module: scale})."""
    trainable, scales = {}, {}
    for name, (A, B, s) in adapter.items():
        trainable[name] = {"A": A.clone().requires_grad_(train_a), "B": B.clone().requires_grad_(True)}
        scales[name] = s
    return trainable, scales


def gradients(cfg, W, adapter, batch, train_a):
    trainable, scales = make_trainable(adapter, train_a)
    loss = batch_loss(cfg, W, trainable, scales, batch)
    loss.backward()
    grads = {}
    for name, p in trainable.items():
        grads[name] = {"B": p["B"].grad.detach().clone()}
        if train_a:
            grads[name]["A"] = p["A"].grad.detach().clone()
    return float(loss), grads


class MaskedAdamW:
    """LoRI's MaskedAdamW for one parameter, built on torch.optim.AdamW and LambdaLR."""

    def __init__(self, param, mask, lr, warmup, max_grad_norm):
        self.param = param
        self.mask = mask
        self.max_grad_norm = max_grad_norm
        self.opt = torch.optim.AdamW([param], lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lambda step: min(1.0, (step + 1) / (warmup + 1)))

    def step(self):
        with torch.no_grad():
            if self.mask is not None:
                self.param.grad[~self.mask] = 0
            if self.max_grad_norm is not None:
                torch.nn.utils.clip_grad_norm_(self.param, self.max_grad_norm)
        self.opt.step()
        self.sched.step()
        self.param.grad = None


def train(cfg, W, adapter, batches, train_a, masks, lr, warmup, max_grad_norm):
    """Runs one MaskedAdamW step per batch; masks {module: bool tensor over B} or None.
    -> (losses per step, {module: {"A", "B"}} final float64 tensors)."""
    trainable, scales = make_trainable(adapter, train_a)
    optimizers = []
    for name, p in trainable.items():
        optimizers.append(MaskedAdamW(p["B"], None if masks is None else masks[name], lr, warmup, max_grad_norm))
        if train_a:
            optimizers.append(MaskedAdamW(p["A"], None, lr, warmup, max_grad_norm))
    losses = []
    for batch in batches:
        loss = batch_loss(cfg, W, trainable, scales, batch)
        loss.backward()
        for o in optimizers:
            o.step()
        losses.append(float(loss))
    return losses, {name: {"A": p["A"].detach(), "B": p["B"].detach()} for name, p in trainable.items()}
