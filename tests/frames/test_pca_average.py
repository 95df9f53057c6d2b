"""PCA frames and frame averaging: frame equivariance as sets, exact invariance and
equivariance in every namespace, negative controls, non-vacuity, degenerate spectra, the
stochastic fallback and the N^-1/2 rate of stochastic frame averaging.

Tolerances. The frame's float error is about ``eps / relgap`` (eigenvectors of a matrix with
relative eigengap ``relgap``, spec §2.3), and the backbones below are O(1)-Lipschitz in
inputs of size O(|x|); translations of size ~10 add one more ``eps * 10`` cancellation when
centring. ``rtol = 1e3 * eps / relgap`` (relative to the output magnitude) covers both with a
margin: float64 inputs have ``relgap >= 0.1`` here, so ``rtol <= 2.2e-12`` (the issue's bound
is 1e-10; measured errors are ~1e-15); float32 gives ``rtol <= 1.2e-3``, against O(1)
violations.
"""

from __future__ import annotations

import math

import array_api_extra as xpx
import numpy as np
import pytest
import scipy.stats
from array_api_extra.testing import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl._xp import to_host
from refimpl.frames import (
    DegenerateFrameError,
    frame_average,
    pca_frame,
    stochastic_frame_average,
)
from refimpl.testing import assert_equivariant, assert_invariant, assert_rate, groups
from refimpl.testing.groups import random_orthogonal
from tests._helpers import dtype_eps
from tests.frames._backbones import Equivariant, Invariant, relgap, simple_cloud

GROUP_OF = {
    "E": lambda d: groups.euclidean(d, translation_scale=10.0),
    "SE": lambda d: groups.special_euclidean(d, translation_scale=10.0),
    "O": groups.orthogonal,
    "SO": groups.rotations,
}


def _rtol(eps: float, x: np.ndarray) -> float:
    return 1e3 * eps / relgap(x)  # see the module docstring


# ------------------------------------------------------------------ the frame itself
@settings(max_examples=10)  # each example runs ~100 frame averages
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(2, 4), group=st.sampled_from(list(GROUP_OF)))
def test_frame_is_equivariant_as_a_set(xp, device, seed, d, group):
    """F(gX) = g F(X): every R0 R_k matches one R'_j (a bijection), and t' = R0 t + t0."""
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x = simple_cloud(rng, 3 * d, d)
    r0 = random_orthogonal(rng, d, special=group in ("SO", "SE"))
    t0 = 10 * rng.standard_normal(d)
    gx = x @ r0.T + t0
    f = pca_frame(xp.asarray(x, dtype=dtype, device=device), group=group)
    fg = pca_frame(xp.asarray(gx, dtype=dtype, device=device), group=group)
    size = 2**d if group in ("E", "O") else 2 ** (d - 1)
    assert f.size == fg.size == size
    assert f.rotations.shape == (size, d, d)
    r, rg = to_host(f.rotations).astype(np.float64), to_host(fg.rotations).astype(np.float64)
    moved = np.einsum("ab,kbc->kac", r0, r)
    dist = np.max(np.abs(moved[:, None] - rg[None, :]), axis=(-2, -1))  # (k, j)
    tol = 1e2 * eps / relgap(x)  # eigenvector error ~ eps / relgap
    match = np.argmin(dist, axis=1)
    assert np.max(np.min(dist, axis=1)) <= tol
    assert sorted(match.tolist()) == list(range(size))  # a bijection
    # orthogonality and determinants
    eye = np.eye(d)
    assert np.max(np.abs(np.swapaxes(r, 1, 2) @ r - eye)) <= 1e2 * eps
    dets = np.linalg.det(r)
    if group in ("SO", "SE"):
        assert np.all(np.abs(dets - 1) <= 1e2 * eps)
    else:
        assert sorted(np.round(dets).tolist()) == [-1.0] * (size // 2) + [1.0] * (size // 2)
    t = to_host(f.translation).astype(np.float64)
    assert (
        np.max(np.abs(r0 @ t + t0 - to_host(fg.translation))) <= 1e2 * eps * 10 * np.abs(gx).max()
    )


def test_frame_is_batched(xp, device):
    dtype, _ = dtype_eps(xp, device)
    rng = np.random.default_rng(0)
    xs = np.stack([simple_cloud(rng, 7, 3) for _ in range(6)]).reshape(2, 3, 7, 3)
    f = pca_frame(xp.asarray(xs, dtype=dtype, device=device), group="SE")
    assert f.rotations.shape == (2, 3, 4, 3, 3)
    assert f.translation.shape == (2, 3, 3)
    assert f.relgap.shape == (2, 3)
    one = pca_frame(xp.asarray(xs[1, 2], dtype=dtype, device=device), group="SE")
    _, eps = dtype_eps(xp, device)
    # the same eigenproblem: identical up to eigensolver signs -> compare |entries|
    assert_close(xp.abs(f.rotations[1, 2, ...]), xp.abs(one.rotations), rtol=0, atol=1e3 * eps)


# -------------------------------------------------------- exact invariance/equivariance
@settings(max_examples=10)  # each example runs ~100 frame averages
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(2, 4), group=st.sampled_from(list(GROUP_OF)))
def test_frame_average_is_invariant(xp, device, seed, d, group):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x = simple_cloud(rng, 3 * d, d)
    bb = Invariant(xp, dtype, device, d, seed=seed % 97)
    g = GROUP_OF[group](d)

    def fn(y):
        return frame_average(bb, y, group=group)

    assert_invariant(
        fn,
        xp.asarray(x, dtype=dtype, device=device),
        sample=g.sample,
        act_in=g.act_points,
        rng=seed,
        rtol=_rtol(eps, x),
    )


@settings(max_examples=10)  # each example runs ~100 frame averages
@given(
    seed=st.integers(0, 2**32 - 1),
    d=st.integers(2, 4),
    group=st.sampled_from(list(GROUP_OF)),
    output=st.sampled_from(["point", "vector"]),
)
def test_frame_average_is_equivariant(xp, device, seed, d, group, output):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x = simple_cloud(rng, 3 * d, d)
    bb = Equivariant(xp, dtype, device, d, seed=seed % 89)
    g = GROUP_OF[group](d)
    act_out = g.act_points if output == "point" else g.act_vectors
    if group in ("O", "SO"):
        act_out = g.act_points  # no translations: points and vectors transform alike

    def fn(y):
        return frame_average(bb, y, group=group, output=output)

    assert_equivariant(
        fn,
        xp.asarray(x, dtype=dtype, device=device),
        sample=g.sample,
        act_in=g.act_points,
        act_out=act_out,
        rng=seed,
        rtol=_rtol(eps, x),
    )


@settings(max_examples=10)  # each example runs ~100 frame averages
@given(seed=st.integers(0, 2**32 - 1))
def test_vectors_are_framed_without_centring(xp, device, seed):
    """Velocities: (X, V) -> (X R^T + t, V R^T) gives outputs g-transformed, and the output
    depends on V (non-vacuity)."""
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x = simple_cloud(rng, 6, 3)
    v = rng.standard_normal((6, 3))
    bb = Equivariant(xp, dtype, device, 3, seed=3)
    g = groups.euclidean(3, translation_scale=10.0)
    xv = xp.asarray(np.concatenate([x, v]), dtype=dtype, device=device)

    def fn(z):  # z = [X; V] stacked on the point axis
        return frame_average(bb, z[:6, :], output="point", vectors=z[6:, :])

    def act(h, z):
        return xp.concat([g.act_points(h, z[:6, :]), g.act_vectors(h, z[6:, :])], axis=0)

    assert_equivariant(
        fn, xv, sample=g.sample, act_in=act, act_out=g.act_points, rng=seed, rtol=_rtol(eps, x)
    )
    a = frame_average(bb, xv[:6, :], output="point", vectors=xv[6:, :])
    b = frame_average(bb, xv[:6, :], output="point", vectors=2 * xv[6:, :])
    assert float(xp.max(xp.abs(a - b))) > 1e-2


def test_float64_error_below_1e_10(xp, device):
    """The issue's bound, measured directly on the E(3) invariant and point outputs."""
    dtype, _ = dtype_eps(xp, device)
    if dtype != xp.float64:
        pytest.skip("float64 bound; the float32 device is covered by the eps/relgap tolerance")
    rng = np.random.default_rng(7)
    worst = 0.0
    for _ in range(5):
        x = simple_cloud(rng, 9, 3)
        r, t = random_orthogonal(rng, 3), 10 * rng.standard_normal(3)
        xa = xp.asarray(x, dtype=dtype, device=device)
        xb = xp.asarray(x @ r.T + t, dtype=dtype, device=device)
        inv = Invariant(xp, dtype, device, 3)
        eq = Equivariant(xp, dtype, device, 3)
        worst = max(
            worst,
            float(xp.max(xp.abs(frame_average(inv, xa) - frame_average(inv, xb)))),
        )
        ya = frame_average(eq, xa, output="point")
        yb = frame_average(eq, xb, output="point")
        ya_moved = xp.matmul(ya, xp.asarray(r.T, dtype=dtype, device=device)) + xp.asarray(
            t, dtype=dtype, device=device
        )
        worst = max(worst, float(xp.max(xp.abs(yb - ya_moved))))
    assert worst <= 1e-10


def test_vectorized_equals_per_element(xp, device):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(1)
    x = xp.asarray(
        np.stack([simple_cloud(rng, 6, 3) for _ in range(2)]), dtype=dtype, device=device
    )
    inv, eq = Invariant(xp, dtype, device, 3), Equivariant(xp, dtype, device, 3)
    for bb, output in ((inv, "invariant"), (eq, "point"), (eq, "vector")):
        a = frame_average(bb, x, output=output)
        b = frame_average(bb, x, output=output, vectorized=True)
        assert_close(b, a, rtol=1e2 * eps, atol=1e2 * eps)  # same sums, other order


# --------------------------------------------------------------------- negative tests
def _reflections(gen):
    return -random_orthogonal(gen, 3, special=True)  # det = -1 in 3D


def test_so3_frame_fails_under_reflections():
    """The SO(3) frame is equivariant under rotations only: under reflections the average is
    not invariant (error O(1)), so the positive tests can fail."""
    rng = np.random.default_rng(0)
    x = simple_cloud(rng, 8, 3)
    bb = Invariant(np, np.float64, None, 3)
    g = groups.orthogonal(3)
    with pytest.raises(AssertionError, match="not invariant"):
        assert_invariant(
            lambda y: frame_average(bb, y, group="SO"),
            x,
            sample=_reflections,
            act_in=g.act_points,
            rng=0,
        )
    # ... while the O(3) frame passes the same check
    assert_invariant(
        lambda y: frame_average(bb, y, group="O"),
        x,
        sample=_reflections,
        act_in=g.act_points,
        rng=0,
        rtol=_rtol(2.2e-16, x),
    )


def test_unaveraged_backbone_fails():
    rng = np.random.default_rng(1)
    x = simple_cloud(rng, 8, 3)
    g = groups.euclidean(3, translation_scale=10.0)
    with pytest.raises(AssertionError, match="not invariant"):
        assert_invariant(
            Invariant(np, np.float64, None, 3), x, sample=g.sample, act_in=g.act_points, rng=0
        )
    with pytest.raises(AssertionError, match="not equivariant"):
        assert_equivariant(
            Equivariant(np, np.float64, None, 3),
            x,
            sample=g.sample,
            act_in=g.act_points,
            act_out=g.act_points,
            rng=0,
        )


# ------------------------------------------------------------------- product E(d) x S_n
class _EuclideanTimesPermutations:
    """E(3) x S_n acting on (n, 3) clouds: permute the rows, then move rigidly."""

    def __init__(self, n):
        self.e, self.s = groups.euclidean(3, translation_scale=10.0), groups.permutations(n)

    def sample(self, gen):
        return (self.e.sample(gen), self.s.sample(gen))

    def act(self, g, x):
        return self.e.act_points(g[0], self.s.act_points(g[1], x))


def _deepsets(xp, dtype, device, *, seed=0):
    """Permutation-equivariant per-point backbone with a mean-pooled context."""
    e = Equivariant(xp, dtype, device, 3, seed=seed)

    def fn(y):
        return e(y) + 0.3 * xp.mean(e(y), axis=-2, keepdims=True)

    return fn


def _flatten_mlp(xp, dtype, device, n, *, seed=0):
    """Not permutation equivariant: mixes all points through a dense (n*3, n*3) layer."""
    w = xp.asarray(
        np.random.default_rng(seed).standard_normal((3 * n, 3 * n)) / n, dtype=dtype, device=device
    )

    def fn(y):
        flat = xp.reshape(y, (*y.shape[:-2], 3 * n))
        return xp.reshape(xp.tanh(xp.matmul(flat, w) + 0.2), y.shape) + y

    return fn


@settings(max_examples=10)  # each example runs ~100 frame averages
@given(seed=st.integers(0, 2**32 - 1))
def test_product_group_with_permutation_equivariant_backbone(xp, device, seed):
    """PCA frames are permutation invariant, so FA of a permutation-equivariant backbone is
    E(3) x S_n equivariant (paper Sec. 3.1; spec §2.1)."""
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x = simple_cloud(rng, 7, 3)
    g = _EuclideanTimesPermutations(7)
    bb = _deepsets(xp, dtype, device, seed=seed % 13)
    assert_equivariant(
        lambda y: frame_average(bb, y, output="point"),
        xp.asarray(x, dtype=dtype, device=device),
        sample=g.sample,
        act_in=g.act,
        act_out=g.act,
        rng=seed,
        rtol=_rtol(eps, x),
    )


def test_product_group_fails_without_permutation_equivariance():
    rng = np.random.default_rng(2)
    x = simple_cloud(rng, 7, 3)
    g = groups.permutations(7)
    bb = _flatten_mlp(np, np.float64, None, 7)
    with pytest.raises(AssertionError, match="not equivariant"):
        assert_equivariant(
            lambda y: frame_average(bb, y, output="point"),
            x,
            sample=g.sample,
            act_in=g.act_points,
            act_out=g.act_points,
            rng=0,
        )


# ---------------------------------------------------------------------- non-vacuity
def test_vacuous_trap_odd_backbone_with_o3_frame():
    """The vacuous-test trap (spec §2.6): an O(d) frame holds R and -R, so the average of an
    *odd* invariant backbone (here sum(tanh(XW)) without bias) is exactly 0 for every input,
    and an *even* backbone's vector outputs average to 0. Both are 'perfectly invariant', and
    an invariance test on them could never fail. The tests above therefore use backbones with
    biases and even and odd parts, and assert_invariant's non-constancy check refuses to pass
    on the odd one."""
    rng = np.random.default_rng(3)
    x = simple_cloud(rng, 8, 3)
    w = rng.standard_normal((3, 5))
    c = rng.standard_normal((5, 3))

    def odd(y):
        return np.sum(np.tanh(y @ w), axis=(-2, -1))

    def even(y):
        return np.tanh(y @ w) ** 2 @ c

    assert abs(frame_average(odd, x, group="O")) <= 1e-14 * np.abs(x).max()
    assert np.max(np.abs(frame_average(even, x, group="O", output="vector"))) <= 1e-13
    g = groups.orthogonal(3)
    with pytest.raises(AssertionError, match="vacuously"):
        assert_invariant(
            lambda y: frame_average(odd, y, group="O"),
            x,
            sample=g.sample,
            act_in=g.act_points,
            rng=0,
            atol=1e-12,
        )  # round-off around 0
    # our backbones are not in the trap: outputs vary across inputs
    inv = Invariant(np, np.float64, None, 3)
    outs = [frame_average(inv, simple_cloud(rng, 8, 3), group="O") for _ in range(5)]
    assert np.std(np.stack(outs), axis=0).min() > 1e-3


# ------------------------------------------------------------------ degenerate spectra
def _degenerate_cloud(rng, n=12):
    """Covariance exactly proportional to diag(1, 1, 4) in a random orientation."""
    z = rng.standard_normal((n, 3))
    z -= z.mean(axis=0)
    u, _ = np.linalg.qr(z)
    return (u * np.array([1.0, 1.0, 2.0])) @ random_orthogonal(rng, 3).T


def test_degenerate_spectra_raise(xp, device):
    dtype, _ = dtype_eps(xp, device)
    rng = np.random.default_rng(4)
    bad = [
        _degenerate_cloud(rng),
        np.outer(rng.standard_normal(6), [1.0, 2.0, 3.0]),  # collinear
        np.ones((5, 3)),  # one point repeated
    ]
    # (a planar cloud in 3D is *not* degenerate: its one zero eigenvalue is simple)
    planar = np.concatenate([rng.standard_normal((6, 2)), np.zeros((6, 1))], axis=1)
    assert pca_frame(xp.asarray(planar, dtype=dtype, device=device)).size == 8
    for x in bad:
        with pytest.raises(DegenerateFrameError, match=r"^points must have .*eigengap_tol"):
            pca_frame(xp.asarray(x, dtype=dtype, device=device))
        with pytest.raises(ValueError, match="eigengap"):
            frame_average(lambda y: y, xp.asarray(x, dtype=dtype, device=device), output="point")
    batch = np.stack([simple_cloud(rng, 12, 3), _degenerate_cloud(rng)])
    with pytest.raises(DegenerateFrameError, match=r"batch index \(1,\)"):
        pca_frame(xp.asarray(batch, dtype=dtype, device=device))


def test_degenerate_without_check_is_not_invariant():
    """Why the default raises: with the check off, the sign frame of a diag(1, 1, 4) cloud
    is not equivariant and the average moves by O(1e-2) under rotations (spec §2.3)."""
    rng = np.random.default_rng(5)
    x = _degenerate_cloud(rng)
    bb = Invariant(np, np.float64, None, 3)
    a = frame_average(bb, x, eigengap_tol=0.0)
    errs = [
        np.max(np.abs(frame_average(bb, x @ random_orthogonal(rng, 3).T, eigengap_tol=0.0) - a))
        for _ in range(8)
    ]
    assert max(errs) > 1e-3


@pytest.mark.only_xp("numpy", reason="a KS test on 2 x 400 float64 samples")
def test_stochastic_fallback_is_equivariant_in_distribution():
    """on_degenerate='stochastic': Haar bases of the degenerate eigenspace make the frame
    equivariant in distribution. The outputs for X and for gX (400 independent draws each,
    one per batch copy) pass a two-sample KS test, and their means agree with the stochastic
    estimate's spread; a control with the Haar draw replaced by the fixed eigh basis fails."""
    rng = np.random.default_rng(6)
    x = _degenerate_cloud(rng)
    r, t = random_orthogonal(rng, 3), rng.standard_normal(3)
    bb = Invariant(np, np.float64, None, 3, m=1)
    reps = 400
    xa = np.broadcast_to(x, (reps, *x.shape))
    xb = np.broadcast_to(x @ r.T + t, (reps, *x.shape))
    a = frame_average(bb, xa, on_degenerate="stochastic", rng=1)[:, 0]
    b = frame_average(bb, xb, on_degenerate="stochastic", rng=2)[:, 0]
    assert np.std(a) > 1e-3  # the draws matter
    assert scipy.stats.ks_2samp(a, b).pvalue > 1e-3
    se = np.sqrt((np.var(a) + np.var(b)) / reps)
    assert abs(np.mean(a) - np.mean(b)) < 5 * se
    # control: without the Haar draw the two outputs are fixed and different
    a0 = frame_average(bb, x, eigengap_tol=0.0)[0]
    b0 = frame_average(bb, x @ r.T + t, eigengap_tol=0.0)[0]
    assert abs(a0 - b0) > 5 * se / np.sqrt(reps)
    # non-degenerate clouds in the same batch are untouched (exact frame)
    y = simple_cloud(rng, 12, 3)
    mixed = frame_average(bb, np.stack([y, x]), on_degenerate="stochastic", rng=3)
    assert_close(mixed[0], frame_average(bb, y), rtol=1e-13, atol=1e-13)


# ------------------------------------------------------------------ stochastic FA
def test_stochastic_is_invariant_in_distribution_and_exact_on_average(xp, device):
    dtype, _ = dtype_eps(xp, device)
    rng = np.random.default_rng(8)
    x = simple_cloud(rng, 6, 3)
    bb = Invariant(xp, dtype, device, 3, m=1)
    exact = frame_average(bb, xp.asarray(x, dtype=dtype, device=device))
    reps = 300
    xs = xp.asarray(np.array(np.broadcast_to(x, (reps, 6, 3))), dtype=dtype, device=device)
    for group in ("E", "SE"):
        est = stochastic_frame_average(bb, xs, n_samples=4, group=group, rng=0, vectorized=True)
        assert est.shape == (reps, 1)
        spread = float(xp.std(est))
        assert spread > 1e-4  # the samples differ
        full = frame_average(bb, xp.asarray(x, dtype=dtype, device=device), group=group)
        assert abs(float(xp.mean(est)) - float(full[0])) < 5 * spread / math.sqrt(reps)
    assert exact.shape == (1,)


@pytest.mark.only_xp("numpy", reason="rates are fitted in float64")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stochastic_rate_is_n_to_minus_half(seed):
    """RMS error of the stochastic estimate against the exact FA, over 64 independent batch
    copies, for N = 4^0..4^7 samples: slope -0.5 +- 0.1 on a log-log fit (error over >= 2
    decades). Large N are summed in chunks of 1024 samples (the mean of equal chunks is an
    N-sample estimate)."""
    rng = np.random.default_rng(seed)
    x = simple_cloud(rng, 5, 3)
    bb = Invariant(np, np.float64, None, 3, m=1, seed=seed)
    exact = frame_average(bb, x)[0]
    reps = 64
    xs = np.broadcast_to(x, (reps, 5, 3))
    ns = [4**k for k in range(8)]
    errs = []
    gen = np.random.default_rng(100 + seed)
    for n in ns:
        chunk = min(n, 1024)
        est = np.mean(
            [
                stochastic_frame_average(bb, xs, n_samples=chunk, rng=gen, vectorized=True)[:, 0]
                for _ in range(n // chunk)
            ],
            axis=0,
        )
        errs.append(float(np.sqrt(np.mean((est - exact) ** 2))))
    assert_rate(ns, errs, expected=-0.5, tol=0.1)


# ------------------------------------------------------------------------- bad input
def test_bad_points(xp, device):
    dtype, _ = dtype_eps(xp, device)
    rng = np.random.default_rng(9)

    def arr(a):
        return xp.asarray(a, dtype=dtype, device=device)

    with pytest.raises(ValueError, match=r"^points must have d >= 2"):
        pca_frame(arr(rng.standard_normal((5, 1))))
    with pytest.raises(ValueError, match=r"^points must hold at least d = 3 points"):
        pca_frame(arr(rng.standard_normal((2, 3))))
    with pytest.raises(ValueError, match=r"^points must have at least 2 dim"):
        pca_frame(arr(rng.standard_normal(3)))
    nan = rng.standard_normal((5, 3))
    nan[1, 1] = np.nan
    with pytest.raises(ValueError, match=r"^points must be finite"):
        pca_frame(arr(nan))
    x = arr(simple_cloud(rng, 5, 3))
    with pytest.raises(ValueError, match=r"^group must be one of"):
        pca_frame(x, group="SU")
    with pytest.raises(ValueError, match=r"^on_degenerate must be one of"):
        pca_frame(x, on_degenerate="ignore")
    with pytest.raises(ValueError, match=r"^eigengap_tol must be"):
        pca_frame(x, eigengap_tol=-1.0)
    with pytest.raises(ValueError, match=r"^output must be one of"):
        frame_average(lambda y: y, x, output="scalar")
    with pytest.raises(TypeError, match=r"^fn must be callable"):
        frame_average("relu", x)
    with pytest.raises(ValueError, match=r"^vectors must have shape \(m, 3\)"):
        frame_average(lambda y, v: y, x, output="point", vectors=arr(np.ones((4, 2))))
    with pytest.raises(ValueError, match=r"^n_samples must be a positive int"):
        stochastic_frame_average(lambda y: y, x, n_samples=0)


def test_bad_backbone_outputs(xp, device):
    dtype, _ = dtype_eps(xp, device)
    rng = np.random.default_rng(10)
    x = xp.asarray(simple_cloud(rng, 5, 3), dtype=dtype, device=device)
    xb = xp.asarray(np.stack([simple_cloud(rng, 5, 3)] * 2), dtype=dtype, device=device)
    with pytest.raises(ValueError, match=r"^fn must return shape \(\.\.\., 3\)"):
        frame_average(lambda y: y[..., :2], x, output="point")
    with pytest.raises(ValueError, match=r"^fn must return shape \(2, \.\.\.\)"):
        frame_average(lambda y: xp.sum(y), xb)  # drops the batch axis
    with pytest.raises(TypeError, match="namespace"):
        frame_average(lambda y: [1.0, 2.0], x)
    other = np if xp is not np and not hasattr(xp, "ndarray") else None
    if other is None:
        import array_api_strict as other
    with pytest.raises(TypeError, match="namespace"):
        frame_average(lambda y: other.asarray([1.0, 2.0]), x)
    with pytest.raises(TypeError, match="real floating"):
        frame_average(lambda y: xp.asarray([1, 2], device=device), x)
    sizes = iter(range(1, 100))
    with pytest.raises(ValueError, match="same shape and dtype for every frame element"):
        frame_average(lambda y: xp.zeros(next(sizes), dtype=dtype, device=device), x)
    with pytest.raises(ValueError, match=r"vectorized=True"):
        frame_average(lambda y: xp.sum(y, axis=(-2, -1)), xb, vectorized=True, output="vector")


def test_inputs_not_mutated():
    rng = np.random.default_rng(11)
    x = simple_cloud(rng, 6, 3)
    v = rng.standard_normal((6, 3))
    saved = (x.copy(), v.copy())
    x.flags.writeable = v.flags.writeable = False
    frame_average(Equivariant(np, np.float64, None, 3), x, output="point", vectors=v)
    stochastic_frame_average(Invariant(np, np.float64, None, 3), x, n_samples=3, rng=0)
    np.testing.assert_array_equal(x, saved[0])
    np.testing.assert_array_equal(v, saved[1])


def test_float32_stays_float32(xp, device):
    x = xp.asarray(simple_cloud(np.random.default_rng(12), 6, 3), dtype=xp.float32, device=device)
    bb = Equivariant(xp, xp.float32, device, 3)
    assert frame_average(bb, x, output="point").dtype == xp.float32
    assert pca_frame(x).rotations.dtype == xp.float32
    assert xpx.default_dtype(xp, device=device) in (xp.float32, xp.float64)
