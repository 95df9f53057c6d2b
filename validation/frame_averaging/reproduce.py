"""Frame averaging: exactness, expressivity on 1-WL-indistinguishable graphs, and
generalisation under symmetry on a small n-body regression.

Puny, Atzmon, Ben-Hamu, Misra, Grover, Smith, Lipman, "Frame Averaging for Invariant and
Equivariant Network Design", ICLR 2022, arXiv:2110.03336. This script checks, with
:mod:`refimpl.frames`:

* ``exactness``: E(3)/SE(3) frame sizes (8/4) and the float64 invariance and equivariance
  errors of frame-averaged random backbones under random E(3) motions (translations ~ 10).
* ``expressivity``: pairs of non-isomorphic graphs that colour refinement (1-WL) cannot
  distinguish. A frame-averaged MLP on the flattened canonical adjacency (graph frames,
  enumerated exactly) separates every pair; colour refinement and a sum-aggregation
  message-passing network (MPNN) with constant inputs separate none. Vertex-transitive pairs
  whose frame is all of S_n and too large to enumerate (the 4x4 rook's graph vs the Shrikhande
  graph, 16! elements; circular skip link graphs CSL(41, 2) vs CSL(41, 3), 41! elements) are
  averaged exactly with a backbone that reads the leading k x k block of the canonical
  adjacency: over a one-block frame (all of S_n) that average is the mean over the
  n (n-1) ... (n-k+1) ordered k-tuples of distinct vertices, enumerated here. The identity
  is checked against ``graph_frame_average`` with the enumerated frame on the small
  one-block graphs (C6, CSL(8, 2), CSL(8, 3)). The plain sampled-frame average of the
  full-adjacency MLP is also reported for the rook/Shrikhande pair in FULL mode (z-score).
* ``nbody``: 5 charged particles (charges +-1, softened Coulomb forces), positions and
  velocities, target = positions after a short velocity-Verlet simulation. A random-feature
  model with closed-form ridge regression is trained on unrotated data, plain and
  frame-averaged (E(3) frame of the positions, velocities framed without centring, point
  output). Test error on the unrotated test set and on a randomly rotated, reflected and
  translated copy: FA's is unchanged to round-off, the plain model's degrades.

Run ``python validation/frame_averaging/reproduce.py [--quick|--full]`` or
``refimpl validate --only frame_averaging``. Timings are in ``bench.py``.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np

from refimpl.frames import frame_average, graph_frame, graph_frame_average, pca_frame
from refimpl.testing.groups import random_orthogonal

NAME = "frame_averaging"

QUICK: dict[str, Any] = {
    "exact_clouds": 20,
    "mlp_hidden": 32,
    # vertex-transitive pairs averaged exactly through ordered k-tuples (k = block size)
    "tuple_pairs": {"rook4x4-vs-shrikhande": 4, "CSL(41,2)-vs-CSL(41,3)": 3},
    "sampled_pairs": [],
    "sampled_elements": 2000,
    "sampled_repeats": 4,
    "nbody_train": 600,
    "nbody_test": 300,
    "nbody_steps": 200,
    "nbody_dt": 0.005,
    "nbody_features": 400,
    "nbody_ridge": 1e-6,
}
FULL: dict[str, Any] = {
    **QUICK,
    "exact_clouds": 200,
    "sampled_pairs": ["rook4x4-vs-shrikhande"],
    "sampled_elements": 20000,
    "sampled_repeats": 6,
    "nbody_train": 3000,
    "nbody_test": 1000,
    "nbody_features": 1000,
}


# ------------------------------------------------------------------------- exactness
def _backbones(rng: np.random.Generator) -> tuple[Any, Any]:
    w, b = rng.standard_normal((3, 16)), rng.standard_normal(16)
    a, c = rng.standard_normal((16, 2)), rng.standard_normal((16, 3)) / 4

    def inv(y: np.ndarray) -> np.ndarray:
        return np.mean(np.tanh(y @ w + b) @ a, axis=-2)

    def eq(y: np.ndarray) -> np.ndarray:
        h = np.tanh(y @ w + b)
        return y * (1 + h[..., :1]) + h @ c

    return inv, eq


def _exactness(config: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    inv, eq = _backbones(rng)
    worst_inv = worst_eq = worst_plain = 0.0
    for _ in range(int(config["exact_clouds"])):
        x = rng.standard_normal((10, 3)) * np.array([1.0, 2.0, 3.0])
        r, t = random_orthogonal(rng, 3), 10 * rng.standard_normal(3)
        gx = x @ r.T + t
        worst_inv = max(
            worst_inv, float(np.max(np.abs(frame_average(inv, gx) - frame_average(inv, x))))
        )
        y, gy = frame_average(eq, x, output="point"), frame_average(eq, gx, output="point")
        worst_eq = max(worst_eq, float(np.max(np.abs(gy - (y @ r.T + t)))))
        worst_plain = max(worst_plain, float(np.max(np.abs(inv(gx) - inv(x)))))
    x = rng.standard_normal((10, 3))
    return {
        "frame_size_E3": pca_frame(x).size,
        "frame_size_SE3": pca_frame(x, group="SE").size,
        "max_invariance_error": worst_inv,
        "max_equivariance_error": worst_eq,
        "unaveraged_invariance_error": worst_plain,
        "log10_unaveraged_invariance_error": math.log10(worst_plain),
    }


# ---------------------------------------------------------------------- expressivity
def _edges(n: int, edges: list[tuple[int, int]]) -> np.ndarray:
    a = np.zeros((n, n))
    for i, j in edges:
        a[i, j] = a[j, i] = 1.0
    return a


def _circulant(n: int, jumps: tuple[int, ...]) -> np.ndarray:
    return _edges(n, [(i, (i + s) % n) for i in range(n) for s in jumps])


def _cube() -> np.ndarray:
    return _edges(8, [(i, i ^ (1 << b)) for i in range(8) for b in range(3) if i < i ^ (1 << b)])


def _rook4x4() -> np.ndarray:
    cells = [(r, c) for r in range(4) for c in range(4)]
    return _edges(
        16,
        [
            (i, j)
            for i, (r1, c1) in enumerate(cells)
            for j, (r2, c2) in enumerate(cells)
            if i < j and (r1 == r2 or c1 == c2)
        ],
    )


def _shrikhande() -> np.ndarray:
    cells = [(r, c) for r in range(4) for c in range(4)]
    steps = {(0, 1), (0, 3), (1, 0), (3, 0), (1, 1), (3, 3)}
    return _edges(
        16,
        [
            (i, j)
            for i, (r1, c1) in enumerate(cells)
            for j, (r2, c2) in enumerate(cells)
            if i < j and ((r2 - r1) % 4, (c2 - c1) % 4) in steps
        ],
    )


def _decalin() -> np.ndarray:  # two fused hexagons
    return _edges(
        10, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 0), (4, 6), (6, 7), (7, 8), (8, 9), (9, 5)]
    )


def _bicyclopentyl() -> np.ndarray:  # two pentagons joined by an edge
    return _edges(
        10, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (5, 6), (6, 7), (7, 8), (8, 9), (9, 5), (0, 5)]
    )


PAIRS = {
    "2xC3-vs-C6": (lambda: np.kron(np.eye(2), _circulant(3, (1,))), lambda: _circulant(6, (1,))),
    "decalin-vs-bicyclopentyl": (_decalin, _bicyclopentyl),
    "CSL(8,2)-vs-CSL(8,3)": (lambda: _circulant(8, (1, 2)), lambda: _circulant(8, (1, 3))),
    "cube-vs-CSL(8,4)": (_cube, lambda: _circulant(8, (1, 4))),
    "rook4x4-vs-shrikhande": (_rook4x4, _shrikhande),
    "CSL(41,2)-vs-CSL(41,3)": (lambda: _circulant(41, (1, 2)), lambda: _circulant(41, (1, 3))),
}


def _colour_refinement(a: np.ndarray, b: np.ndarray) -> bool:
    """True when 1-WL distinguishes a and b (refined jointly on the disjoint union)."""
    n = a.shape[0]
    union = np.zeros((2 * n, 2 * n))
    union[:n, :n], union[n:, n:] = a, b
    colours = [0] * (2 * n)
    for _ in range(2 * n):
        sigs = [
            (colours[i], tuple(sorted(colours[j] for j in np.flatnonzero(union[i]))))
            for i in range(2 * n)
        ]
        palette = {s: k for k, s in enumerate(sorted(set(sigs)))}
        new = [palette[s] for s in sigs]
        if len(set(new)) == len(set(colours)):
            break
        colours = new
    return sorted(colours[:n]) != sorted(colours[n:])


def _mpnn(a: np.ndarray, rng: np.random.Generator, layers: int = 4, width: int = 16) -> np.ndarray:
    """Sum-aggregation message passing h <- tanh(h W1 + A h W2 + b), constant input, sum readout."""
    h = np.ones((a.shape[0], width))
    for _ in range(layers):
        w1, w2 = rng.standard_normal((2, width, width)) / np.sqrt(width)
        h = np.tanh(h @ w1 + a @ h @ w2 + rng.standard_normal(width))
    return h.sum(axis=0)


def _fa_mlp(n: int, hidden: int, rng: np.random.Generator) -> Any:
    w = rng.standard_normal((n * n, hidden)) / n
    b, v = rng.standard_normal(hidden), rng.standard_normal((hidden, 4))

    def fn(a: np.ndarray, x: Any) -> np.ndarray:  # vectorized: a (K, n, n)
        return np.tanh(a.reshape(*a.shape[:-2], n * n) @ w + b) @ v

    return fn


def _block_mlp(k: int, hidden: int, rng: np.random.Generator) -> Any:
    """An MLP on the leading k x k block of a (canonically ordered) adjacency."""
    w = rng.standard_normal((k * k, hidden)) / k
    b, v = rng.standard_normal(hidden), rng.standard_normal((hidden, 4))

    def fn(a: np.ndarray, x: Any) -> np.ndarray:  # vectorized: a (K, n, n)
        return np.tanh(a[..., :k, :k].reshape(*a.shape[:-2], k * k) @ w + b) @ v

    return fn


def _tuple_average(a: np.ndarray, k: int, mlp: Any) -> np.ndarray:
    """Exact frame average of a leading-k-block backbone over a one-block frame (all of
    S_n): (1/n!) sum_P mlp(P A P^T) = the mean of mlp over the induced, ordered k-vertex
    subgraphs A[t][:, t], t an ordered k-tuple of distinct vertices (each such tuple leads
    exactly (n - k)! permutations)."""
    n = a.shape[0]
    tuples = np.array(list(itertools.permutations(range(n), k)))
    sub = a[tuples[:, :, None], tuples[:, None, :]]  # (n!/(n-k)!, k, k): the leading blocks
    return np.mean(mlp(sub, None), axis=0)


def _one_block(a: np.ndarray) -> bool:
    """True when the graph frame of ``a`` is all of S_n (one block of identical rows)."""
    return graph_frame(a, max_elements=1, rng=0).block_sizes == (a.shape[0],)


def _tuple_identity(config: dict[str, Any], rng: np.random.Generator) -> float:
    """max |graph_frame_average (enumerated frame) - ordered-tuple mean| on small one-block
    graphs, for the leading-block backbones used on the large pairs."""
    worst = 0.0
    for a in (_circulant(6, (1,)), _circulant(8, (1, 2)), _circulant(8, (1, 3))):
        assert _one_block(a)
        for k in (3, 4):
            mlp = _block_mlp(k, int(config["mlp_hidden"]), rng)
            lib = graph_frame_average(mlp, a, None, vectorized=True)
            worst = max(worst, float(np.max(np.abs(lib - _tuple_average(a, k, mlp)))))
    return worst


def _expressivity(config: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    rows = []
    tuple_pairs = dict(config["tuple_pairs"])
    for name, (make_a, make_b) in PAIRS.items():
        a, b = make_a(), make_b()
        n = a.shape[0]
        if name in tuple_pairs:
            rows.append(_tuple_row(name, a, b, tuple_pairs[name], config, rng))
            if name not in config["sampled_pairs"]:
                continue
        fa, fb = graph_frame(a, max_elements=10**6), graph_frame(b, max_elements=10**6)
        exact = not (fa.sampled or fb.sampled)
        if not exact and name not in config["sampled_pairs"]:
            continue
        mlp = _fa_mlp(n, int(config["mlp_hidden"]), np.random.default_rng(rng.integers(2**32)))
        if exact:
            oa = graph_frame_average(mlp, a, None, vectorized=True)
            ob = graph_frame_average(mlp, b, None, vectorized=True)
            diff, z = float(np.max(np.abs(oa - ob))), math.inf
            fa_sep = diff > 1e-8  # round-off is ~1e-15
        else:
            m, reps = int(config["sampled_elements"]), int(config["sampled_repeats"])
            ea = [
                graph_frame_average(mlp, a, None, max_elements=m, rng=rng, vectorized=True)
                for _ in range(reps)
            ]
            eb = [
                graph_frame_average(mlp, b, None, max_elements=m, rng=rng, vectorized=True)
                for _ in range(reps)
            ]
            diff_v = np.mean(ea, axis=0) - np.mean(eb, axis=0)
            se = np.sqrt((np.var(ea, axis=0, ddof=1) + np.var(eb, axis=0, ddof=1)) / reps)
            z = float(np.max(np.abs(diff_v) / se))
            diff = float(np.max(np.abs(diff_v)))
            fa_sep = z > 5.0
        mp = np.random.default_rng(rng.integers(2**32))
        state = mp.bit_generator.state
        ha = _mpnn(a, mp)
        mp.bit_generator.state = state
        hb = _mpnn(b, mp)
        rows.append(
            {
                "pair": name,
                "n": n,
                "backbone": "MLP on the whole canonical adjacency",
                "frame_sizes": [fa.size, fb.size],
                "frame_exact": exact,
                "fa_mlp_diff": diff,
                "fa_mlp_z": z,
                "fa_mlp_separates": bool(fa_sep),
                "wl_separates": _colour_refinement(a, b),
                "mpnn_diff": float(np.max(np.abs(ha - hb))),
                "mpnn_separates": bool(np.max(np.abs(ha - hb)) > 1e-8),
            }
        )
    ex = [r for r in rows if r["frame_exact"]]
    return {
        "pairs": rows,
        "tuple_identity_error": _tuple_identity(config, rng),
        "n_pairs_vertex_transitive": sum(r["pair"] in tuple_pairs for r in ex),
        "fa_separated_vertex_transitive": sum(
            r["fa_mlp_separates"] for r in ex if r["pair"] in tuple_pairs
        ),
        "tuple_isomorphic_control_max": max(
            (r["isomorphic_control_diff"] for r in ex if r["pair"] in tuple_pairs), default=0.0
        ),
        "n_pairs_exact": len(ex),
        "fa_separated_exact_fraction": sum(r["fa_mlp_separates"] for r in ex) / len(ex),
        "wl_separated": sum(r["wl_separates"] for r in rows),
        "mpnn_separated": sum(r["mpnn_separates"] for r in rows),
        "fa_separated_sampled": sum(r["fa_mlp_separates"] for r in rows if not r["frame_exact"]),
        "n_pairs_sampled": len(rows) - len(ex),
    }


def _tuple_row(
    name: str,
    a: np.ndarray,
    b: np.ndarray,
    k: int,
    config: dict[str, Any],
    rng: np.random.Generator,
) -> dict[str, Any]:
    """One vertex-transitive pair, averaged exactly over ordered k-tuples; the control is
    the same average on a randomly relabelled copy of ``a`` (isomorphic: must agree)."""
    n = a.shape[0]
    if not (_one_block(a) and _one_block(b)):
        msg = f"{name}: the tuple average needs one-block graph frames (all of S_n)"
        raise ValueError(msg)
    mlp = _block_mlp(k, int(config["mlp_hidden"]), np.random.default_rng(rng.integers(2**32)))
    out_a = _tuple_average(a, k, mlp)
    diff = float(np.max(np.abs(out_a - _tuple_average(b, k, mlp))))
    p = rng.permutation(n)
    control = float(np.max(np.abs(out_a - _tuple_average(a[p][:, p], k, mlp))))
    mp = np.random.default_rng(rng.integers(2**32))
    state = mp.bit_generator.state
    ha = _mpnn(a, mp)
    mp.bit_generator.state = state
    hb = _mpnn(b, mp)
    return {
        "pair": name,
        "n": n,
        "backbone": f"MLP on the leading {k}x{k} block, exact over ordered {k}-tuples",
        "frame_sizes": [float(math.factorial(n))] * 2,
        "frame_exact": True,
        "fa_mlp_diff": diff,
        "fa_mlp_z": math.inf,
        "fa_mlp_separates": diff > 1e-8,
        "isomorphic_control_diff": control,
        "wl_separates": _colour_refinement(a, b),
        "mpnn_diff": float(np.max(np.abs(ha - hb))),
        "mpnn_separates": bool(np.max(np.abs(ha - hb)) > 1e-8),
    }


# ------------------------------------------------------------------------------ n-body
CHARGES = np.array([1.0, -1.0, 1.0, -1.0, 1.0])


def _simulate(x: np.ndarray, v: np.ndarray, steps: int, dt: float) -> np.ndarray:
    """Velocity Verlet for softened Coulomb forces q_i q_j r / (|r|^2 + 0.1)^(3/2)."""
    qq = CHARGES[:, None] * CHARGES[None, :]

    def force(p: np.ndarray) -> np.ndarray:
        r = p[..., :, None, :] - p[..., None, :, :]  # (B, n, n, 3): x_i - x_j
        inv = (np.sum(r * r, axis=-1) + 0.1) ** -1.5
        return np.sum((qq * inv)[..., None] * r, axis=-2)

    f = force(x)
    for _ in range(steps):
        v = v + 0.5 * dt * f
        x = x + dt * v
        f = force(x)
        v = v + 0.5 * dt * f
    return x


def _features(rng: np.random.Generator, dim: int, count: int) -> Any:
    w = rng.standard_normal((dim, count)) / np.sqrt(dim)
    b = rng.uniform(-np.pi, np.pi, count)

    def phi(z: np.ndarray) -> np.ndarray:
        return np.concatenate([np.cos(z @ w + b), z, np.ones((*z.shape[:-1], 1))], axis=-1)

    return phi


def _ridge(f: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    g = f.T @ f
    return np.linalg.solve(g + lam * np.trace(g) / g.shape[0] * np.eye(g.shape[0]), f.T @ y)


def _nbody(config: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    n_tr, n_te = int(config["nbody_train"]), int(config["nbody_test"])
    steps, dt = int(config["nbody_steps"]), float(config["nbody_dt"])
    aniso = np.array([2.0, 1.0, 0.5])  # training data in a fixed orientation and place

    def draw(m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = rng.standard_normal((m, 5, 3)) * aniso + np.array([1.0, 0.0, 0.0])
        v = 0.5 * rng.standard_normal((m, 5, 3)) * aniso
        return x, v, _simulate(x, v, steps, dt)

    xtr, vtr, ytr = draw(n_tr)
    xte, vte, yte = draw(n_te)
    r = np.stack([random_orthogonal(rng, 3) for _ in range(n_te)])  # O(3): reflections too
    t = 3.0 * rng.standard_normal((n_te, 1, 3))
    xrot = np.einsum("bij,bnj->bni", r, xte) + t
    vrot = np.einsum("bij,bnj->bni", r, vte)
    yrot = np.einsum("bij,bnj->bni", r, yte) + t
    phi = _features(rng, 30, int(config["nbody_features"]))
    lam = float(config["nbody_ridge"])

    def flat(x: np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.concatenate([x.reshape(*x.shape[:-2], 15), v.reshape(*v.shape[:-2], 15)], -1)

    # plain model: raw coordinates in, positions out
    w_plain = _ridge(phi(flat(xtr, vtr)), ytr.reshape(n_tr, 15), lam)

    def plain(x: np.ndarray, v: np.ndarray) -> np.ndarray:
        return (phi(flat(x, v)) @ w_plain).reshape(x.shape)

    # FA model: trained on all frame elements of the training clouds (targets in the frame)
    frames = pca_frame(xtr)
    rk, tk = frames.rotations, frames.translation[:, None, None, :]  # (B, 8, 3, 3), (B,1,1,3)
    xin = np.einsum("bnd,bkde->bkne", xtr, rk) - np.einsum("bxd,bkde->bkxe", tk[:, 0], rk)
    vin = np.einsum("bnd,bkde->bkne", vtr, rk)
    yin = np.einsum("bnd,bkde->bkne", ytr - tk[:, 0], rk)
    w_fa = _ridge(phi(flat(xin, vin)).reshape(n_tr * 8, -1), yin.reshape(n_tr * 8, 15), lam)

    def backbone(y: np.ndarray, v: np.ndarray) -> np.ndarray:
        return (phi(flat(y, v)) @ w_fa).reshape(y.shape)

    def fa(x: np.ndarray, v: np.ndarray) -> np.ndarray:
        return frame_average(backbone, x, output="point", vectors=v, vectorized=True)

    def mse(p: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean((p - y) ** 2))

    p_fa, p_fa_rot = fa(xte, vte), fa(xrot, vrot)
    p_pl, p_pl_rot = plain(xte, vte), plain(xrot, vrot)
    # the FA prediction on the moved set equals the moved prediction (per sample)
    moved = np.einsum("bij,bnj->bni", r, p_fa) + t
    baseline = mse(xte + steps * dt * vte, yte)  # constant-velocity extrapolation
    out = {
        "mse_fa": mse(p_fa, yte),
        "mse_fa_rotated": mse(p_fa_rot, yrot),
        "mse_plain": mse(p_pl, yte),
        "mse_plain_rotated": mse(p_pl_rot, yrot),
        "mse_constant_velocity": baseline,
        "fa_prediction_equivariance_error": float(np.max(np.abs(p_fa_rot - moved))),
    }
    out["fa_rotated_over_unrotated"] = out["mse_fa_rotated"] / out["mse_fa"]
    out["fa_rel_change"] = abs(out["mse_fa_rotated"] - out["mse_fa"]) / out["mse_fa"]
    out["plain_rotated_over_unrotated"] = out["mse_plain_rotated"] / out["mse_plain"]
    out["log10_plain_degradation"] = math.log10(out["plain_rotated_over_unrotated"])
    return out


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Exactness, expressivity and n-body results (see the module docstring)."""
    rng = np.random.default_rng(config.get("seed", 0))
    return {
        "exactness": _exactness(config, rng),
        "expressivity": _expressivity(config, rng),
        "nbody": _nbody(config, rng),
    }


def plot(result: dict[str, Any], outdir: Path) -> list[Path]:
    """``frame_averaging-nbody.png``: test MSE, unrotated vs rotated, plain vs FA."""
    from refimpl.validation import _common

    nb = result["nbody"]
    with _common.plot_style() as plt:
        fig, ax = plt.subplots(figsize=(6.0, 3.8))
        labels = ["plain", "frame-averaged"]
        un = [nb["mse_plain"], nb["mse_fa"]]
        ro = [nb["mse_plain_rotated"], nb["mse_fa_rotated"]]
        pos = np.arange(2)
        ax.bar(pos - 0.18, un, 0.36, label="unrotated test set")
        ax.bar(pos + 0.18, ro, 0.36, label="rotated/reflected + translated test set")
        ax.axhline(
            nb["mse_constant_velocity"],
            color="0.5",
            ls=":",
            lw=1,
            label="constant-velocity baseline",
        )
        ax.set_yscale("log")
        ax.set_xticks(pos, labels)
        ax.set_ylabel("test MSE (positions)")
        ax.set_title("5 charged particles: random features + ridge, trained unrotated")
        ax.legend(fontsize=8)
        path = Path(outdir) / "frame_averaging-nbody.png"
        fig.savefig(path)
        plt.close(fig)
    return [path]


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.main(run, quick=QUICK, full=FULL, plot=plot, name=NAME)
