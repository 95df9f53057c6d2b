"""Graph (permutation) frames: sizes, canonical forms, signature equivariance, S_n
invariance/equivariance of graph frame averages, negative controls, sampled frames, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl._xp import to_host
from refimpl.frames import graph_frame, graph_frame_average
from refimpl.testing import assert_equivariant, assert_invariant, groups
from tests._helpers import dtype_eps


def random_graph(rng: np.random.Generator, n: int, p: float = 0.4) -> np.ndarray:
    a = np.triu((rng.random((n, n)) < p).astype(float), 1)
    return a + a.T


def cycle(n: int) -> np.ndarray:
    return np.roll(np.eye(n), 1, axis=1) + np.roll(np.eye(n), -1, axis=1)


def star(leaves: int) -> np.ndarray:
    a = np.zeros((leaves + 1, leaves + 1))
    a[0, 1:] = a[1:, 0] = 1.0
    return a


def _relabel(a: np.ndarray, p: np.ndarray) -> np.ndarray:
    return a[p][:, p]


# ------------------------------------------------------------------------ frames
def test_frame_sizes(xp, device):
    dtype, _ = dtype_eps(xp, device)
    rng = np.random.default_rng(0)
    cases = {
        "C8": (cycle(8), math.factorial(8), (8,)),  # vertex transitive: one block of 8
        "star K1,4": (star(4), math.factorial(4), (4, 1)),  # the leaves tie
        "random 8": (random_graph(np.random.default_rng(3), 8), 1, (1,) * 8),  # no ties
    }
    for name, (a, size, blocks) in cases.items():
        f = graph_frame(xp.asarray(a, dtype=dtype, device=device))
        assert f.size == size, name
        assert sorted(f.block_sizes) == sorted(blocks), name
        assert f.size == math.prod(math.factorial(b) for b in f.block_sizes)
        assert f.permutations.shape == (size, a.shape[0])
        perms = to_host(f.permutations)
        assert len({tuple(p) for p in perms.tolist()}) == size  # all distinct
        # every element sorts the signature
        sig = to_host(f.signature)
        for p in perms[:50]:
            rows = [tuple(r) for r in sig[p].tolist()]
            assert rows == sorted(rows)
    del rng


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(5, 9))
def test_signature_is_equivariant_and_canonical_form_is_invariant(xp, device, seed, n):
    dtype, _ = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    a = random_graph(rng, n)
    q = rng.permutation(n)
    f = graph_frame(xp.asarray(a, dtype=dtype, device=device))
    fq = graph_frame(xp.asarray(_relabel(a, q), dtype=dtype, device=device))
    sig, sig_q = to_host(f.signature), to_host(fq.signature)
    if not np.array_equal(sig[q], sig_q):
        # a value within eigensolver noise of a rounding boundary (spec §2.8 pitfall 4)
        assert np.max(np.abs(sig[q] - sig_q)) <= 0.0100001
        return
    assert f.size == fq.size
    if f.size == 1:  # no ties: A[p][:, p] is a canonical form
        c1 = _relabel(a, to_host(f.permutations)[0])
        c2 = _relabel(_relabel(a, q), to_host(fq.permutations)[0])
        np.testing.assert_array_equal(c1, c2)
    else:  # the sets of canonical forms agree
        s1 = {_relabel(a, p).tobytes() for p in to_host(f.permutations)}
        s2 = {_relabel(_relabel(a, q), p).tobytes() for p in to_host(fq.permutations)}
        assert s1 == s2


def test_features_break_ties(xp, device):
    dtype, _ = dtype_eps(xp, device)
    a = xp.asarray(cycle(6), dtype=dtype, device=device)
    feat = xp.asarray(np.arange(6.0)[:, None] % 3, dtype=dtype, device=device)
    assert graph_frame(a).size == 720
    f = graph_frame(a, features=feat)
    assert f.size == 2 * 2 * 2  # three classes of two nodes
    assert f.signature.shape[1] == to_host(graph_frame(a).signature).shape[1] + 1


def test_sampled_frames():
    a = cycle(12)  # 12! elements
    with pytest.raises(ValueError, match=r"^max_elements must be given"):
        graph_frame(a)
    f = graph_frame(a, max_elements=50, rng=0)
    assert f.sampled
    assert f.size == math.factorial(12)
    perms = to_host(f.permutations)
    assert perms.shape == (50, 12)
    assert all(sorted(p) == list(range(12)) for p in perms.tolist())
    assert len({tuple(p) for p in perms.tolist()}) > 45  # uniform draws rarely repeat
    g = graph_frame(cycle(5), max_elements=500, rng=0)
    assert not g.sampled  # small frames stay exact
    assert g.permutations.shape == (120, 5)


# -------------------------------------------------------- invariance / equivariance
class _GraphAction:
    """S_n on z = [A | X] (n, n + f): rows and the first n columns are permuted."""

    def __init__(self, xp, n):
        self.xp, self.n, self.perms = xp, n, groups.permutations(n)

    def sample(self, gen):
        return self.perms.sample(gen)

    def act(self, p, z):
        xp = self.xp
        idx = xp.asarray(p, dtype=xp.int64, device=z.device if hasattr(z, "device") else None)
        rows = xp.take(z, idx, axis=0)
        return xp.concat([xp.take(rows[:, : self.n], idx, axis=1), rows[:, self.n :]], axis=1)

    def act_nodes(self, p, y):
        return self.perms.act_points(p, y)


def _mlp(xp, dtype, device, n, f, out, *, seed=0):
    """FA-MLP backbone on flatten([A, X]): not permutation invariant/equivariant."""
    g = np.random.default_rng(seed)
    w = xp.asarray(g.standard_normal((n * (n + f), 32)) / n, dtype=dtype, device=device)
    b = xp.asarray(g.standard_normal(32), dtype=dtype, device=device)
    v = xp.asarray(g.standard_normal((32, out)), dtype=dtype, device=device)

    def fn(a, x):
        z = xp.concat([a, x], axis=-1)
        flat = xp.reshape(z, (*z.shape[:-2], n * (n + f)))
        return xp.matmul(xp.tanh(xp.matmul(flat, w) + b), v)

    return fn


@settings(max_examples=8)
@given(seed=st.integers(0, 2**32 - 1))
def test_graph_average_is_invariant_and_node_equivariant(xp, device, seed):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    n, f = 7, 2
    a = random_graph(rng, n, 0.45)
    x = rng.standard_normal((n, f))
    z = xp.asarray(np.concatenate([a, x], axis=1), dtype=dtype, device=device)
    act = _GraphAction(xp, n)
    mlp_inv = _mlp(xp, dtype, device, n, f, 3, seed=seed % 11)
    mlp_node = _mlp(xp, dtype, device, n, f, n * 2, seed=seed % 7)

    def inv(zz):
        return graph_frame_average(mlp_inv, zz[:, :n], zz[:, n:], frame_features=True)

    def node(zz):
        def fn(aa, xx):
            return xp.reshape(mlp_node(aa, xx), (n, 2))

        return graph_frame_average(fn, zz[:, :n], zz[:, n:], output="node", frame_features=True)

    # exact permutations of exact data: errors are summation-order round-off
    assert_invariant(
        inv, z, sample=act.sample, act_in=act.act, rng=seed, n_trials=6, check_nonconstant=False
    )
    assert_equivariant(
        node,
        z,
        sample=act.sample,
        act_in=act.act,
        act_out=act.act_nodes,
        rng=seed,
        n_trials=6,
        check_nonconstant=False,
    )
    # non-vacuity: other features give other outputs
    z2 = xp.asarray(
        np.concatenate([a, rng.standard_normal((n, f))], axis=1), dtype=dtype, device=device
    )
    assert float(xp.max(xp.abs(inv(z) - inv(z2)))) > 1e3 * eps
    del eps


def test_unaveraged_mlp_is_not_invariant():
    rng = np.random.default_rng(1)
    n = 7
    a = random_graph(rng, n)
    z = np.concatenate([a, rng.standard_normal((n, 1))], axis=1)
    act = _GraphAction(np, n)
    mlp = _mlp(np, np.float64, None, n, 1, 2)
    with pytest.raises(AssertionError, match="not invariant"):
        assert_invariant(
            lambda zz: mlp(zz[:, :n], zz[:, n:]),
            z,
            sample=act.sample,
            act_in=act.act,
            rng=0,
            check_nonconstant=False,
        )


def test_vectorized_graph_average_matches(xp, device):
    dtype, eps = dtype_eps(xp, device)
    a = xp.asarray(star(4), dtype=dtype, device=device)
    x = xp.asarray(np.random.default_rng(2).standard_normal((5, 2)), dtype=dtype, device=device)
    mlp = _mlp(xp, dtype, device, 5, 2, 3)
    one = graph_frame_average(mlp, a, x)
    vec = graph_frame_average(mlp, a, x, vectorized=True)
    assert float(xp.max(xp.abs(one - vec))) <= 1e2 * eps

    def node(aa, xx):
        return xx * xp.sum(aa, axis=-1, keepdims=True) + xp.mean(xx, axis=-2, keepdims=True)

    n1 = graph_frame_average(node, a, x, output="node")
    n2 = graph_frame_average(node, a, x, output="node", vectorized=True)
    assert float(xp.max(xp.abs(n1 - n2))) <= 1e2 * eps
    # node is permutation equivariant already: FA leaves it unchanged (oracle)
    assert float(xp.max(xp.abs(n1 - node(a, x)))) <= 1e2 * eps


# ------------------------------------------------------------------------ bad input
def test_bad_graphs(xp, device):
    dtype, _ = dtype_eps(xp, device)
    rng = np.random.default_rng(3)

    def arr(v):
        return xp.asarray(v, dtype=dtype, device=device)

    with pytest.raises(ValueError, match=r"^adjacency must be a square 2-D"):
        graph_frame(arr(np.ones((3, 4))))
    with pytest.raises(ValueError, match=r"^adjacency must be a square 2-D"):
        graph_frame(arr(np.ones((2, 3, 3))))
    asym = random_graph(rng, 5)
    asym[0, 1], asym[1, 0] = 1.0, 0.0
    with pytest.raises(ValueError, match=r"^adjacency must be symmetric"):
        graph_frame(arr(asym))
    nan = cycle(4)
    nan[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^adjacency must be finite"):
        graph_frame(arr(nan))
    with pytest.raises(TypeError, match=r"^adjacency must be a real numeric array"):
        graph_frame(xp.asarray(cycle(4) > 0, device=device))
    a = arr(cycle(4))
    with pytest.raises(ValueError, match=r"^features must have one row per node"):
        graph_frame(a, features=arr(np.ones((3, 2))))
    with pytest.raises(ValueError, match=r"^output must be one of"):
        graph_frame_average(lambda aa, xx: aa, a, None, output="edge")
    with pytest.raises(ValueError, match=r"^fn must return shape \(4, \.\.\.\)"):
        graph_frame_average(lambda aa, xx: xp.sum(aa, axis=0)[:2], a, None, output="node")
    with pytest.raises(TypeError, match="namespace"):
        graph_frame_average(lambda aa, xx: 1.0, a, None)
    with pytest.raises(ValueError, match=r"^decimals must be a non-negative int"):
        graph_frame(a, decimals=-1)
    with pytest.raises(TypeError, match=r"^fn must be callable"):
        graph_frame_average(None, a, None)
