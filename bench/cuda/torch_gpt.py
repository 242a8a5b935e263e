#!/usr/bin/env python3
"""BenchGPT in PyTorch eager, checked against archc's reference and timed (issue 10).

    python3 bench/cuda/torch_gpt.py OUT/BenchGPT [--device cuda|cpu] [--repeat 100] [--tol 1e-5]

OUT/BenchGPT is what `npm run bench:cuda:prepare` writes: weights.safetensors, inputs.safetensors
and reference.safetensors (the reference interpreter's logits). The model is bench/fusion.arch's
BenchGPT written out in plain torch ops exactly as the .arch stdlib defines it:

    DecoderLM (stdlib/blocks.arch): x = embed(tokens) + pos(arange(T)); 4 x PreNormBlock;
        z = LayerNorm(x); logits = z @ embed.weightᵀ (tied)
    PreNormBlock: h = x + mixer(norm1(x)); y = h + ffn(norm2(h))
    MultiHeadAttention (stdlib/attention.arch, heads 4, causal, bias): q, k, v = split(qkv(x), 3);
        heads "b t (h e) -> b h t e"; scores = q @ kᵀ · (1/√hd); where(i >= j, scores, -inf);
        softmax; @ v; "b h t e -> b t (h e)"; proj
    MLP (stdlib/ffn.arch, act gelu_tanh): fc2(gelu_tanh(fc1(x))), hidden 4d
    Linear (stdlib/nn.arch): x @ weightᵀ + bias, weight stored [out, in] as torch.nn.Linear
    LayerNorm: (x − mean)·rsqrt(biased var + 1e-5)·weight + bias, as torch.nn.LayerNorm

Parameters are taken by name from weights.safetensors (names and shapes must be exactly the
model's, or this fails). The logits must match reference.safetensors within
|got − want| ≤ tol·max|want| + tol·|want| (as bench/cuda/compare.cpp): that proves this is the
same model as the one archc compiled. Then the eager forward is timed: warm-up, then the median
of --repeat runs, each from the host token ids to the logits back on the host (as the archc
runner's --repeat times upload, forward and download), with torch.cuda.synchronize around it.
TF32 is off: both sides compute in f32.

Prints "pytorch eager: X ms (median of N; ...)". Without PyTorch it prints "PyTorch not installed:
skipped" and exits 0. Safetensors are parsed by hand (no `safetensors` package needed).
"""

import argparse
import json
import math
import struct
import sys
import time
from pathlib import Path

import warnings

# A CPU-only torch without numpy warns on import; nothing here uses numpy.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("PyTorch not installed: skipped")
    sys.exit(0)

HEADS = 4  # bench/fusion.arch: MultiHeadAttention(heads = 4); not recoverable from the weights
LN_EPS = 1e-5  # stdlib/nn.arch LayerNorm's default eps

DTYPES = {"F32": torch.float32, "I32": torch.int32, "BOOL": torch.bool}


def read_safetensors(path):
    """Every tensor of a safetensors file: u64 LE header size, JSON header, raw data."""
    raw = Path(path).read_bytes()
    if len(raw) < 8:
        raise SystemExit(f"torch_gpt: {path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    data = bytearray(raw[8 + n :])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] not in DTYPES:
            raise SystemExit(f"torch_gpt: {path}: tensor {name}: unsupported dtype {e['dtype']}")
        begin, end = e["data_offsets"]
        chunk = data[begin:end]
        dtype = torch.uint8 if e["dtype"] == "BOOL" else DTYPES[e["dtype"]]
        t = torch.frombuffer(chunk, dtype=dtype) if chunk else torch.empty(0, dtype=dtype)
        if e["dtype"] == "BOOL":
            t = t.bool()
        out[name] = t.reshape(e["shape"]).clone()
    return out


def param_shapes(vocab, d, layers, ctx, hidden):
    """The parameters of BenchGPT by path, as archc names them (PyTorch-style state_dict names)."""
    shapes = {
        "embed.weight": [vocab, d],
        "pos.weight": [ctx, d],
        "norm.weight": [d],
        "norm.bias": [d],
    }
    for i in range(layers):
        p = f"layers.{i}."
        shapes.update(
            {
                p + "norm1.weight": [d],
                p + "norm1.bias": [d],
                p + "mixer.qkv.weight": [3 * d, d],
                p + "mixer.qkv.bias": [3 * d],
                p + "mixer.proj.weight": [d, d],
                p + "mixer.proj.bias": [d],
                p + "norm2.weight": [d],
                p + "norm2.bias": [d],
                p + "ffn.fc1.weight": [hidden, d],
                p + "ffn.fc1.bias": [hidden],
                p + "ffn.fc2.weight": [d, hidden],
                p + "ffn.fc2.bias": [d],
            }
        )
    return shapes


def check_params(w):
    """Checks the weights are exactly BenchGPT's; returns (vocab, d, layers, ctx, hidden)."""
    try:
        vocab, d = w["embed.weight"].shape
        ctx = w["pos.weight"].shape[0]
        hidden = w["layers.0.ffn.fc1.weight"].shape[0]
    except KeyError as e:
        raise SystemExit(f"torch_gpt: the weights are not BenchGPT's: no {e}")
    layers = 0
    while f"layers.{layers}.norm1.weight" in w:
        layers += 1
    want = param_shapes(vocab, d, layers, ctx, hidden)
    problems = [f"missing {k}" for k in want if k not in w]
    problems += [f"unexpected {k}" for k in w if k not in want]
    problems += [
        f"{k} has shape {list(w[k].shape)}, want {s}"
        for k, s in want.items()
        if k in w and list(w[k].shape) != s
    ]
    problems += [
        f"{k} is {w[k].dtype}, want float32" for k in want if k in w and w[k].dtype != torch.float32
    ]
    if problems:
        raise SystemExit("torch_gpt: the weights are not BenchGPT's:\n  " + "\n  ".join(problems))
    if d % HEADS != 0:
        raise SystemExit(f"torch_gpt: d={d} does not split into {HEADS} heads")
    return vocab, d, layers, ctx, hidden


def layer_norm(x, w, p):
    return F.layer_norm(x, (x.shape[-1],), w[p + ".weight"], w[p + ".bias"], LN_EPS)


def gelu_tanh(x):
    # stdlib/nn.arch: 0.5·x·(1 + tanh(0.7978845608028654·(x + 0.044715·x³))), torch's "tanh" GELU
    return F.gelu(x, approximate="tanh")


def attention(x, w, p, mask):
    b, t, d = x.shape
    hd = d // HEADS
    qkv = F.linear(x, w[p + "qkv.weight"], w[p + "qkv.bias"])
    q, k, v = qkv.split(d, dim=-1)
    q, k, v = (
        z.reshape(b, t, HEADS, hd).transpose(1, 2) for z in (q, k, v)
    )  # b t (h e) -> b h t e
    scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
    scores = torch.where(mask, scores, float("-inf"))
    # torch.softmax equals stdlib softmax here: a causal row always sees its own position, so no
    # row is all -inf (the only case where the stdlib's guarded form differs)
    o = torch.softmax(scores, dim=-1) @ v
    o = o.transpose(1, 2).reshape(b, t, d)  # b h t e -> b t (h e)
    return F.linear(o, w[p + "proj.weight"], w[p + "proj.bias"])


def forward(tokens, w, layers):
    t = tokens.shape[1]
    pos = torch.arange(t, device=tokens.device)
    i = torch.arange(t, device=tokens.device)
    mask = i.reshape(t, 1) >= i.reshape(1, t)
    x = F.embedding(tokens, w["embed.weight"]) + F.embedding(pos, w["pos.weight"])
    for n in range(layers):
        p = f"layers.{n}."
        x = x + attention(layer_norm(x, w, p + "norm1"), w, p + "mixer.", mask)
        h = layer_norm(x, w, p + "norm2")
        h = F.linear(
            gelu_tanh(F.linear(h, w[p + "ffn.fc1.weight"], w[p + "ffn.fc1.bias"])),
            w[p + "ffn.fc2.weight"],
            w[p + "ffn.fc2.bias"],
        )
        x = x + h
    z = layer_norm(x, w, "norm")
    return z @ w["embed.weight"].t()


def compare(name, got, want, tol):
    """compare.cpp's rule; returns an error message or None, and prints the tensor's line."""
    if got.shape != want.shape or got.dtype != want.dtype:
        return f"{name}: {got.dtype} {list(got.shape)}, want {want.dtype} {list(want.shape)}"
    g, wv = got.double().flatten(), want.double().flatten()
    finite = torch.isfinite(wv)
    scale = wv[finite].abs().max().item() if finite.any() else 0.0
    both = finite & torch.isfinite(g)
    err = (g - wv).abs()
    allowed = tol * scale + tol * wv.abs()
    bad_finite = both & (err > allowed)
    bad_special = ~both & ~((g == wv) | (torch.isnan(g) & torch.isnan(wv)))
    bad = bad_finite | bad_special
    max_err = err[both].max().item() if both.any() else 0.0
    print(
        f"{'FAIL' if bad.any() else 'ok  '} {name}: {list(want.shape)}, max |err| {max_err:.3g}, max|want| {scale:.4g}"
    )
    if bad.any():
        i = int(bad.nonzero()[0])
        return (
            f"{name}: {int(bad.sum())} of {wv.numel()} elements out of tolerance {tol}; "
            f"first at flat index {i}: got {g[i].item():.9g}, want {wv[i].item():.9g}"
        )
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", help="OUT/BenchGPT, as npm run bench:cuda:prepare writes it")
    ap.add_argument(
        "--device", default="cuda", help="cuda (default) or cpu (numerics check without a GPU)"
    )
    ap.add_argument("--repeat", type=int, default=100, help="timed forwards (default 100)")
    ap.add_argument("--warmup", type=int, default=10, help="untimed forwards first (default 10)")
    ap.add_argument("--tol", type=float, default=1e-5)
    args = ap.parse_args()

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit(
            "torch_gpt: PyTorch has no CUDA device here (use --device cpu to check the numerics only)"
        )
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False

    d = Path(args.dir)
    w = read_safetensors(d / "weights.safetensors")
    inputs = read_safetensors(d / "inputs.safetensors")
    want = read_safetensors(d / "reference.safetensors")
    vocab, dm, layers, ctx, hidden = check_params(w)
    if set(inputs) != {"tokens"} or set(want) != {"logits"}:
        raise SystemExit(
            f"torch_gpt: expected inputs {{tokens}} and outputs {{logits}}, got {sorted(inputs)} and {sorted(want)}"
        )
    tokens_host = inputs["tokens"]
    b, t = tokens_host.shape
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(
        f"torch {torch.__version__} on {name}: BenchGPT vocab {vocab}, d {dm}, {layers} layers, {HEADS} heads, hidden {hidden}, ctx {ctx}; B {b}, T {t}"
    )
    if t > ctx:
        raise SystemExit(f"torch_gpt: T={t} exceeds ctx={ctx}")
    w = {k: v.to(device) for k, v in w.items()}

    def run():
        with torch.inference_mode():
            return forward(tokens_host.to(device), w, layers).cpu()

    problem = compare("logits", run(), want["logits"], args.tol)
    if problem:
        print(
            f"torch_gpt: MISMATCH with the reference: {problem}\n"
            "the PyTorch model is not the model archc compiled: its timing would mean nothing",
            file=sys.stderr,
        )
        sys.exit(1)
    print(f"logits match the reference (tolerance {args.tol})")

    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for _ in range(args.warmup):
        run()
    sync()
    times = []
    for _ in range(args.repeat):
        sync()
        start = time.perf_counter()
        run()  # .cpu() waits for the logits
        sync()
        times.append((time.perf_counter() - start) * 1000)
    if times:
        times.sort()  # the runner's median: the upper middle of an even count
        print(
            f"pytorch eager: {times[len(times) // 2]:.4f} ms (median of {len(times)}; min {min(times):.4f}, max {max(times):.4f}; device {name})"
        )


if __name__ == "__main__":
    main()
