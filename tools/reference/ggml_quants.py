"""ggml's weight types, written out from their block structs (ggml-common.h) and scalar
dequantization loops (ggml-quants.c, dequantize_row_*), in numpy, independently of the Java
runtime. Used to check the runtime's decoders on random blocks and to compute golden logits
for GGUF files that llama-quantize wrote.

Every function takes the raw bytes of whole blocks and returns float32 values in file order.
Arithmetic is float32 in ggml's order (d·scale first, then ·q, then − min), so results match
ggml's to rounding; the Java tests still allow an ulp or two (FMA contraction).
"""
import numpy as np

QK_K = 256

# ggml type id -> (name, values per block, bytes per block)
TYPES = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 30: ("BF16", 1, 2),
    2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20), 6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34),
    10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176),
    14: ("Q6_K", 256, 210), 20: ("IQ4_NL", 32, 18), 23: ("IQ4_XS", 256, 136),
}
BY_NAME = {v[0]: k for k, v in TYPES.items()}

# The 16 non-linear levels of IQ4_NL / IQ4_XS (kvalues_iq4nl).
IQ4_LEVELS = np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113], dtype=np.float32)


def _f16(b, at):
    """the f16 at byte offset `at` of every block (b: [blocks, bytes] uint8) as float32 [blocks, 1]."""
    return b[:, at:at + 2].copy().view("<f2").astype(np.float32)


def _u8(b, at, n):
    return b[:, at:at + n].astype(np.int32)


def _k4_scale_min(s):
    """Q4_K/Q5_K: 12 bytes -> 8 six-bit scales and 8 six-bit mins ([blocks, 8] each), get_scale_min_k4."""
    sc = np.empty((s.shape[0], 8), np.int32)
    mn = np.empty((s.shape[0], 8), np.int32)
    for j in range(8):
        if j < 4:
            sc[:, j] = s[:, j] & 63
            mn[:, j] = s[:, j + 4] & 63
        else:
            sc[:, j] = (s[:, j + 4] & 0xF) | ((s[:, j - 4] >> 6) << 4)
            mn[:, j] = (s[:, j + 4] >> 4) | ((s[:, j] >> 6) << 4)
    return sc, mn


def dequantize(type_id, raw, n):
    """`n` values of ggml type `type_id` from bytes `raw` -> float32 [n]."""
    name, per_block, size = TYPES[type_id]
    data = np.frombuffer(raw, dtype=np.uint8)
    assert n % per_block == 0 and data.size == n // per_block * size, (name, n, data.size)
    if name == "F32":
        return data.view("<f4").astype(np.float32)
    if name == "F16":
        return data.view("<f2").astype(np.float32)
    if name == "BF16":
        return (data.view("<u2").astype(np.uint32) << 16).view(np.float32)
    b = data.reshape(-1, size)
    return globals()["_" + name.lower()](b).reshape(-1)


def _q4_0(b):
    d, q = _f16(b, 0), _u8(b, 2, 16)
    return np.concatenate([(q & 0xF) - 8, (q >> 4) - 8], axis=1).astype(np.float32) * d


def _q4_1(b):
    d, m, q = _f16(b, 0), _f16(b, 2), _u8(b, 4, 16)
    return np.concatenate([q & 0xF, q >> 4], axis=1).astype(np.float32) * d + m


def _five_bit(b, qh_at, qs_at):
    """Q5_0/Q5_1: value j takes the nibble of qs[j % 16] (low for j < 16) and bit j of the u32 qh."""
    qh = b[:, qh_at:qh_at + 4].copy().view("<u4").astype(np.int64)
    q = _u8(b, qs_at, 16)
    low = np.concatenate([q & 0xF, q >> 4], axis=1)
    high = (qh >> np.arange(32)) & 1
    return low | (high << 4)


def _q5_0(b):
    return (_five_bit(b, 2, 6) - 16).astype(np.float32) * _f16(b, 0)


def _q5_1(b):
    return _five_bit(b, 4, 8).astype(np.float32) * _f16(b, 0) + _f16(b, 2)


def _q8_0(b):
    return b[:, 2:34].view(np.int8).astype(np.float32) * _f16(b, 0)


def _q2_k(b):
    # scales[16] (low nibble: scale, high: min), qs[64], f16 d, f16 dmin
    sc, qs, d, dmin = _u8(b, 0, 16), _u8(b, 16, 64), _f16(b, 80), _f16(b, 82)
    out = np.empty((b.shape[0], 256), np.float32)
    for i in range(256):
        half, k = divmod(i, 128)
        j, l = divmod(k, 32)
        s = sc[:, 8 * half + 2 * j + l // 16]
        q = (qs[:, 32 * half + l] >> (2 * j)) & 3
        dl = d[:, 0] * (s & 0xF).astype(np.float32)
        ml = dmin[:, 0] * (s >> 4).astype(np.float32)
        out[:, i] = dl * q.astype(np.float32) - ml
    return out


def _q3_k(b):
    # hmask[32], qs[64], scales[12] (16 six-bit scales, offset 32), f16 d
    hm, qs, s, d = _u8(b, 0, 32), _u8(b, 32, 64), _u8(b, 96, 12), _f16(b, 108)
    scales = np.empty((b.shape[0], 16), np.int32)
    for j in range(16):
        low = (s[:, j % 8] >> (4 * (j // 8))) & 0xF
        high = (s[:, 8 + j % 4] >> (2 * (j // 4))) & 3
        scales[:, j] = (low | (high << 4)) - 32
    out = np.empty((b.shape[0], 256), np.float32)
    for i in range(256):
        half, k = divmod(i, 128)
        j, l = divmod(k, 32)
        q = (qs[:, 32 * half + l] >> (2 * j)) & 3
        h = (hm[:, l] >> (4 * half + j)) & 1
        dl = d[:, 0] * scales[:, 8 * half + 2 * j + l // 16].astype(np.float32)
        out[:, i] = dl * (q - np.where(h == 1, 0, 4)).astype(np.float32)
    return out


def _q4_k(b):
    # f16 d, f16 dmin, scales[12], qs[128]
    d, dmin = _f16(b, 0), _f16(b, 2)
    sc, mn = _k4_scale_min(_u8(b, 4, 12))
    qs = _u8(b, 16, 128)
    out = np.empty((b.shape[0], 256), np.float32)
    for i in range(256):
        chunk, k = divmod(i, 64)
        sub = 2 * chunk + k // 32
        byte = qs[:, 32 * chunk + k % 32]
        q = byte & 0xF if k < 32 else byte >> 4
        out[:, i] = (d[:, 0] * sc[:, sub].astype(np.float32)) * q.astype(np.float32) - dmin[:, 0] * mn[:, sub].astype(np.float32)
    return out


def _q5_k(b):
    # f16 d, f16 dmin, scales[12], qh[32], qs[128]
    d, dmin = _f16(b, 0), _f16(b, 2)
    sc, mn = _k4_scale_min(_u8(b, 4, 12))
    qh, qs = _u8(b, 16, 32), _u8(b, 48, 128)
    out = np.empty((b.shape[0], 256), np.float32)
    for i in range(256):
        chunk, k = divmod(i, 64)
        sub = 2 * chunk + k // 32
        l = k % 32
        byte = qs[:, 32 * chunk + l]
        q = (byte & 0xF if k < 32 else byte >> 4) + 16 * ((qh[:, l] >> sub) & 1)
        out[:, i] = (d[:, 0] * sc[:, sub].astype(np.float32)) * q.astype(np.float32) - dmin[:, 0] * mn[:, sub].astype(np.float32)
    return out


def _q6_k(b):
    # ql[128], qh[64], int8 scales[16], f16 d
    ql, qh = _u8(b, 0, 128), _u8(b, 128, 64)
    sc = b[:, 192:208].view(np.int8).astype(np.float32)
    d = _f16(b, 208)
    out = np.empty((b.shape[0], 256), np.float32)
    for i in range(256):
        half, k = divmod(i, 128)
        quarter, l = divmod(k, 32)
        low = ql[:, 64 * half + l + 32 * (quarter % 2)]
        low = low & 0xF if quarter < 2 else low >> 4
        high = (qh[:, 32 * half + l] >> (2 * quarter)) & 3
        q = (low | (high << 4)) - 32
        out[:, i] = (d[:, 0] * sc[:, 8 * half + 2 * quarter + l // 16]) * q.astype(np.float32)
    return out


def _iq4_nl(b):
    d, q = _f16(b, 0), _u8(b, 2, 16)
    return IQ4_LEVELS[np.concatenate([q & 0xF, q >> 4], axis=1)] * d


def _iq4_xs(b):
    # f16 d, u16 scales_h, scales_l[4], qs[128]; eight sub-blocks of 32 with 6-bit scales offset 32
    d = _f16(b, 0)
    sh = b[:, 2:4].copy().view("<u2").astype(np.int32)
    sl, qs = _u8(b, 4, 4), _u8(b, 8, 128)
    out = np.empty((b.shape[0], 256), np.float32)
    for ib in range(8):
        ls = ((sl[:, ib // 2] >> (4 * (ib % 2))) & 0xF) | (((sh[:, 0] >> (2 * ib)) & 3) << 4)
        dl = d[:, 0] * (ls - 32).astype(np.float32)
        q = qs[:, 16 * ib:16 * ib + 16]
        out[:, 32 * ib:32 * ib + 16] = dl[:, None] * IQ4_LEVELS[q & 0xF]
        out[:, 32 * ib + 16:32 * ib + 32] = dl[:, None] * IQ4_LEVELS[q >> 4]
    return out
