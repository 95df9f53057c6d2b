"""Tests of refimpl.testing.groups: Haar sampling (statistics), actions (compose, inverse,
namespace/dtype/device), and argument checks."""

from __future__ import annotations

import itertools
import math
from typing import Any

import array_api_extra as xpx
import numpy as np
import pytest
import scipy.stats
from array_api_compat import array_namespace
from array_api_compat import device as device_of
from array_api_extra.testing import assert_close
from hypothesis import given

from refimpl.testing import groups
from refimpl.testing.strategies import seeds, sizes

EPS64 = float(np.finfo(np.float64).eps)
N_DRAWS = 4000  # Monte Carlo size of the distribution tests (~0.3 s each)
Z = 5.0  # statistical tolerance in standard errors (seeded: deterministic; 5 sd ~ 6e-7 two-sided)


def _draws(group: Any, n: int, seed: int) -> np.ndarray:
    gen = np.random.default_rng(seed)
    return np.stack([group.sample(gen) for _ in range(n)])


# --------------------------------------------------------------------------------------
# Haar sampling
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_orthogonal_samples_are_orthogonal_with_both_determinants(d: int) -> None:
    g = _draws(groups.orthogonal(d), N_DRAWS, seed=d)
    eye = np.eye(d)
    # QR via Householder is backward stable: |Q^T Q - I| is a few d eps
    assert np.max(np.abs(g @ np.swapaxes(g, -1, -2) - eye)) < 10 * d * EPS64
    det = np.linalg.det(g)
    assert np.max(np.abs(np.abs(det) - 1)) < 10 * d * EPS64
    frac_neg = float(np.mean(det < 0))
    assert abs(frac_neg - 0.5) < Z * math.sqrt(0.25 / N_DRAWS), frac_neg


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_rotation_samples_have_det_plus_one(d: int) -> None:
    g = _draws(groups.rotations(d), 500, seed=10 + d)
    assert np.max(np.abs(g @ np.swapaxes(g, -1, -2) - np.eye(d))) < 10 * d * EPS64
    np.testing.assert_allclose(np.linalg.det(g), 1.0, rtol=0, atol=10 * d * EPS64)


@pytest.mark.parametrize("special", [False, True])
@pytest.mark.parametrize("d", [2, 3, 4])
def test_haar_first_and_second_moments(d: int, special: bool) -> None:
    """Haar on O(d) and SO(d), d >= 2: E[g] = 0 and E[g_ij^2] = 1/d entrywise."""
    group = groups.rotations(d) if special else groups.orthogonal(d)
    g = _draws(group, N_DRAWS, seed=20 + d + 7 * special)
    # Var g_ij = 1/d: standard error of the mean 1/sqrt(N d)
    assert np.max(np.abs(g.mean(axis=0))) < Z / math.sqrt(N_DRAWS * d)
    # E g_ij^4 = 3/(d(d+2)), so Var g_ij^2 = 3/(d(d+2)) - 1/d^2
    sd2 = math.sqrt((3 / (d * (d + 2)) - 1 / d**2) / N_DRAWS)
    assert np.max(np.abs((g**2).mean(axis=0) - 1 / d)) < Z * sd2


def test_so3_trace_moments_and_angle_distribution() -> None:
    """Haar SO(3): E tr R = 0, E tr R^2 = 1; the rotation angle has CDF (t - sin t)/pi."""
    g = _draws(groups.rotations(3), N_DRAWS, seed=3)
    tr = np.trace(g, axis1=-2, axis2=-1)
    tr2 = np.trace(g @ g, axis1=-2, axis2=-1)
    # tr R = 1 + 2 cos t: Var = E[(tr R)^2] = 1 (one invariant in V x V); Var tr R^2 = 2
    assert abs(tr.mean()) < Z / math.sqrt(N_DRAWS)
    assert abs(tr2.mean() - 1) < Z * math.sqrt(2 / N_DRAWS)
    angle = np.arccos(np.clip((tr - 1) / 2, -1, 1))
    ks = scipy.stats.kstest(angle, lambda t: (t - np.sin(t)) / np.pi)
    assert ks.pvalue > 1e-3, ks


def test_so2_angle_is_uniform() -> None:
    g = _draws(groups.rotations(2), N_DRAWS, seed=4)
    angle = np.arctan2(g[:, 1, 0], g[:, 0, 0])
    ks = scipy.stats.kstest(angle, scipy.stats.uniform(loc=-np.pi, scale=2 * np.pi).cdf)
    assert ks.pvalue > 1e-3, ks


def test_o3_reflections_are_haar_too() -> None:
    """The det -1 half of O(3) is -SO(3): -g has the Haar angle distribution."""
    g = _draws(groups.orthogonal(3), N_DRAWS, seed=5)
    rot = np.where((np.linalg.det(g) < 0)[:, None, None], -g, g)
    tr = np.trace(rot, axis1=-2, axis2=-1)
    angle = np.arccos(np.clip((tr - 1) / 2, -1, 1))
    ks = scipy.stats.kstest(angle, lambda t: (t - np.sin(t)) / np.pi)
    assert ks.pvalue > 1e-3, ks


def test_euclidean_sampling() -> None:
    group = groups.special_euclidean(3, translation_scale=10.0)
    m = _draws(group, N_DRAWS, seed=6)
    np.testing.assert_array_equal(m[:, 3, :], np.broadcast_to([0.0, 0.0, 0.0, 1.0], (N_DRAWS, 4)))
    np.testing.assert_allclose(np.linalg.det(m[:, :3, :3]), 1.0, atol=30 * EPS64)
    t = m[:, :3, 3]
    assert np.max(np.abs(t.mean(axis=0))) < Z * 10 / math.sqrt(N_DRAWS)
    assert np.max(np.abs(t.std(axis=0) / 10 - 1)) < Z * math.sqrt(0.5 / N_DRAWS)
    dets = np.linalg.det(_draws(groups.euclidean(3), 400, seed=7)[:, :3, :3])
    assert {-1.0, 1.0} == set(np.round(dets).tolist())


def test_permutations_are_uniform() -> None:
    n = 3
    p = _draws(groups.permutations(n), 6000, seed=8)
    assert p.dtype == np.int64
    assert all(sorted(row) == list(range(n)) for row in p.tolist())
    counts = [int(np.sum(np.all(p == perm, axis=1))) for perm in itertools.permutations(range(n))]
    assert scipy.stats.chisquare(counts).pvalue > 1e-3, counts


def test_sampling_is_reproducible_and_accepts_seeds() -> None:
    o3 = groups.orthogonal(3)
    np.testing.assert_array_equal(o3.sample(np.random.default_rng(1)), o3.sample(1))
    assert not np.array_equal(o3.sample(1), o3.sample(2))


# --------------------------------------------------------------------------------------
# actions
# --------------------------------------------------------------------------------------
def _all_groups(n: int, d: int) -> list[Any]:
    return [
        groups.rotations(d),
        groups.orthogonal(d),
        groups.euclidean(d, translation_scale=3.0),
        groups.special_euclidean(d),
        groups.permutations(n),
    ]


def _tol(xp: Any, dtype: Any, scale: float) -> dict[str, float]:
    # a few chained d x d products: 1e2 eps relative, and the same absolute at the data scale
    eps = float(xp.finfo(dtype).eps)
    return {"rtol": 1e2 * eps, "atol": 1e2 * eps * scale}


@given(seed=seeds(), n=sizes(1, 8), d=sizes(1, 4))
def test_actions_compose_invert_and_follow_the_input(
    xp: Any, device: Any, seed: int, n: int, d: int
) -> None:
    gen = np.random.default_rng(seed)
    dtype = xpx.default_dtype(xp, device=device)
    host_x = 3.0 * gen.standard_normal((2, n, d))
    for group in _all_groups(n, d):
        vec_len = n if isinstance(group, groups.Permutations) else d
        host_v = gen.standard_normal((4, vec_len))
        x = xp.asarray(host_x, dtype=dtype, device=device)
        v = xp.asarray(host_v, dtype=dtype, device=device)
        g1, g2 = group.sample(gen), group.sample(gen)
        g12 = group.compose(g1, g2)
        for act, a in ((group.act_points, x), (group.act_vectors, v)):
            out = act(g1, a)
            assert array_namespace(out) is xp
            assert out.dtype == dtype
            assert device_of(out) == device_of(a)
            assert out.shape == a.shape
            scale = 30.0
            assert_close(act(g12, a), act(g1, act(g2, a)), **_tol(xp, dtype, scale))
            assert_close(act(group.inverse(g1), out), a, **_tol(xp, dtype, scale))
            assert_close(act(group.identity(), a), a, rtol=0, atol=0)


@given(seed=seeds(), n=sizes(2, 8))
def test_euclidean_actions_match_the_formulas(xp: Any, device: Any, seed: int, n: int) -> None:
    gen = np.random.default_rng(seed)
    dtype = xpx.default_dtype(xp, device=device)
    e3 = groups.euclidean(3, translation_scale=10.0)
    m = e3.sample(gen)
    r, t = m[:3, :3], m[:3, 3]
    host_x = gen.standard_normal((n, 3))
    x = xp.asarray(host_x, dtype=dtype, device=device)
    y = e3.act_points(m, x)
    tol = _tol(xp, dtype, 30.0)
    assert_close(y, xp.asarray(host_x @ r.T + t, dtype=dtype, device=device), **tol)
    # vectors ignore the translation; differences of points transform as vectors
    assert_close(e3.act_vectors(m, x), xp.asarray(host_x @ r.T, dtype=dtype, device=device), **tol)
    assert_close(y[1:, :] - y[:-1, :], e3.act_vectors(m, x[1:, :] - x[:-1, :]), **tol)
    p = groups.permutations(n).sample(gen)
    sn = groups.permutations(n)
    host = gen.standard_normal((2, n, 3))
    assert_close(
        sn.act_points(p, xp.asarray(host, dtype=dtype, device=device)),
        xp.asarray(host[:, p, :], dtype=dtype, device=device),
        rtol=0,
        atol=0,
    )


def test_permutation_actions_keep_any_dtype() -> None:
    sn = groups.permutations(4)
    p = np.array([3, 1, 0, 2])
    labels = np.array([[10, 11, 12, 13]])
    out = sn.act_vectors(p, labels)
    assert out.dtype == labels.dtype
    assert out.tolist() == [[13, 11, 10, 12]]
    mask = np.array([True, False, False, True])
    assert sn.act_vectors(p, mask).tolist() == [True, False, True, False]
    # composition convention: act(compose(p, q)) = act(p, act(q))
    q = np.array([1, 2, 3, 0])
    np.testing.assert_array_equal(
        sn.act_vectors(sn.compose(p, q), labels), sn.act_vectors(p, sn.act_vectors(q, labels))
    )


def test_integer_clouds_are_promoted_and_inputs_not_mutated() -> None:
    so2 = groups.rotations(2)
    quarter = np.array([[0.0, -1.0], [1.0, 0.0]])
    x = np.array([[1, 0], [0, 2]])
    x.flags.writeable = False
    y = so2.act_points(quarter, x)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, [[0.0, 1.0], [-2.0, 0.0]])
    np.testing.assert_array_equal(x, [[1, 0], [0, 2]])
    f32 = np.ones((3, 2), dtype=np.float32)
    assert so2.act_points(quarter, f32).dtype == np.float32


# --------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "exc", "match"),
    [
        (lambda: groups.rotations(0), ValueError, "d must be a positive int; got 0"),
        (lambda: groups.orthogonal(2.0), TypeError, "d must be a positive int; got float"),
        (lambda: groups.permutations(-1), ValueError, "n must be a positive int; got -1"),
        (
            lambda: groups.euclidean(3, translation_scale=-1.0),
            ValueError,
            "translation_scale must be a finite positive number",
        ),
        (lambda: groups.random_orthogonal(0, True), TypeError, "d must be a positive int"),
        (lambda: groups.random_orthogonal("x", 3), TypeError, "rng must be"),
    ],
)
def test_bad_group_arguments(make: Any, exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        make()


def test_bad_action_arguments() -> None:
    so3, e3, s4 = groups.rotations(3), groups.euclidean(3), groups.permutations(4)
    r, m, p = so3.sample(0), e3.sample(0), s4.sample(0)
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., n, 3\); got shape \(4, 2\)"):
        so3.act_points(r, np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., n, 3\); got shape \(3,\)"):
        so3.act_points(r, np.ones(3))
    with pytest.raises(ValueError, match=r"v must have shape \(\.\.\., 3\)"):
        e3.act_vectors(m, np.ones(4))
    with pytest.raises(ValueError, match=r"g must be a homogeneous matrix of shape \(4, 4\)"):
        e3.act_points(r, np.ones((2, 3)))  # an SO(3) element given to E(3)
    with pytest.raises(ValueError, match=r"g must be a matrix of shape \(3, 3\)"):
        so3.act_vectors(m, np.ones(3))
    with pytest.raises(TypeError, match="x must be a real numeric array"):
        so3.act_points(r, np.ones((2, 3), dtype=bool))
    with pytest.raises(TypeError, match="x must be a numeric array"):
        so3.act_points(r, np.array([["a", "b", "c"]]))
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 4, d\)"):
        s4.act_points(p, np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"v must have shape \(\.\.\., 4\)"):
        s4.act_vectors(p, np.ones((4, 2)))
    with pytest.raises(ValueError, match="g must be a permutation of range"):
        s4.act_vectors(np.array([0, 0, 1, 2]), np.ones(4))
    with pytest.raises(ValueError, match="g must be a permutation of range"):
        s4.act_vectors(np.array([0.0, 1.0, 2.0, 3.0]), np.ones(4))
