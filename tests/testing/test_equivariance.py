"""Tests of assert_equivariant / assert_invariant: they pass on true symmetries, fail on broken
ones, and refuse to pass vacuously. Every namespace of the matrix."""

from __future__ import annotations

import re
from typing import Any

import array_api_extra as xpx
import numpy as np
import pytest
from array_api_compat import array_namespace
from array_api_compat import device as device_of
from hypothesis import assume, given

from refimpl.testing import assert_equivariant, assert_invariant, groups
from refimpl.testing.strategies import seeds, sizes


def _cloud(xp: Any, device: Any, seed: int, n: int, d: int = 3) -> Any:
    host = np.random.default_rng(seed).standard_normal((n, d))
    return xp.asarray(host, dtype=xpx.default_dtype(xp, device=device), device=device)


# functions written once against the Array API ------------------------------------------
def radii(x: Any) -> Any:
    """Distances to the centroid: E(d)-invariant, S_n-equivariant (points -> entries)."""
    xp = array_namespace(x)
    c = x - xp.mean(x, axis=-2, keepdims=True)
    return xp.sqrt(xp.sum(c * c, axis=-1))


def norms(x: Any) -> Any:
    """Distances to the origin: O(d)-invariant but not translation-invariant."""
    xp = array_namespace(x)
    return xp.sqrt(xp.sum(x * x, axis=-1))


def scaled(x: Any) -> Any:
    """x -> (sum_i |x_i|^2) x: O(d)- and S_n-equivariant, points -> points."""
    xp = array_namespace(x)
    return xp.sum(x * x) * x


def weighted_sum(x: Any) -> Any:
    """sum_i |x_i|^2 x_i: O(d)-equivariant points -> vectors, S_n-invariant."""
    xp = array_namespace(x)
    return xp.sum(xp.sum(x * x, axis=-1, keepdims=True) * x, axis=-2)


def sorted_columns(x: Any) -> Any:
    """Each coordinate sorted over the points: S_n-invariant."""
    xp = array_namespace(x)
    return xp.sort(x, axis=-2)


def triple_product(x: Any) -> Any:
    """x_0 . (x_1 x x_2): SO(3)-invariant, flips sign under reflections."""
    a, b, c = x[0, :], x[1, :], x[2, :]
    return (
        a[0] * (b[1] * c[2] - b[2] * c[1])
        - a[1] * (b[0] * c[2] - b[2] * c[0])
        + a[2] * (b[0] * c[1] - b[1] * c[0])
    )


def first_axis_weighted(x: Any) -> Any:
    """x_i -> x_i * x_i[0]: has a preferred direction (e_0); not rotation-equivariant."""
    return x * x[:, 0:1]


def index_weighted(x: Any) -> Any:
    """x_i -> i * x_i: depends on the ordering of the points; not S_n-equivariant."""
    xp = array_namespace(x)
    w = xp.arange(x.shape[0], dtype=x.dtype, device=device_of(x))
    return x * w[:, None]


# passing cases ------------------------------------------------------------------------
# n_trials=4 (not the default 8) keeps the matrix fast; hypothesis varies the seeds
@given(seed=seeds(), n=sizes(3, 12))
def test_true_symmetries_pass(xp: Any, device: Any, seed: int, n: int) -> None:
    x = _cloud(xp, device, seed, n)
    e3 = groups.euclidean(3, translation_scale=10.0)
    o3 = groups.orthogonal(3)
    sn = groups.permutations(n)
    assert_invariant(radii, x, sample=e3.sample, act_in=e3.act_points, rng=seed, n_trials=4)
    assert_equivariant(
        scaled,
        x,
        sample=o3.sample,
        act_in=o3.act_points,
        act_out=o3.act_points,
        rng=seed,
        n_trials=4,
    )
    assert_equivariant(
        weighted_sum,
        x,
        sample=o3.sample,
        act_in=o3.act_points,
        act_out=o3.act_vectors,
        rng=seed,
        n_trials=4,
    )
    # S_3 is small: all of k draws are the identity with probability 6**-k, which the
    # move check would (rightly) refuse; 12 draws make that 5e-10
    assert_invariant(
        sorted_columns, x, sample=sn.sample, act_in=sn.act_points, rng=seed, n_trials=12
    )
    assert_equivariant(
        radii,
        x,
        sample=sn.sample,
        act_in=sn.act_points,
        act_out=sn.act_vectors,
        rng=seed,
        n_trials=12,
    )
    so3 = groups.rotations(3)
    assert_invariant(
        triple_product, x, sample=so3.sample, act_in=so3.act_points, rng=seed, n_trials=4
    )


# failing cases ------------------------------------------------------------------------
@given(seed=seeds(), n=sizes(3, 12))
def test_broken_symmetries_fail(xp: Any, device: Any, seed: int, n: int) -> None:
    x = _cloud(xp, device, seed, n)
    so3, o3 = groups.rotations(3), groups.orthogonal(3)
    e3, sn = groups.euclidean(3), groups.permutations(n)
    with pytest.raises(AssertionError, match="fn is not equivariant"):
        assert_equivariant(
            first_axis_weighted,
            x,
            sample=so3.sample,
            act_in=so3.act_points,
            act_out=so3.act_points,
            rng=seed,
        )
    with pytest.raises(AssertionError, match="fn is not equivariant"):
        assert_equivariant(
            index_weighted, x, sample=sn.sample, act_in=sn.act_points, act_out=sn.act_points,
            rng=seed, n_trials=12,
        )  # fmt: skip
    # norms are O(3)- but not E(3)-invariant: the translations are really applied
    assert_invariant(norms, x, sample=o3.sample, act_in=o3.act_points, rng=seed, n_trials=4)
    with pytest.raises(AssertionError, match="fn is not invariant"):
        assert_invariant(norms, x, sample=e3.sample, act_in=e3.act_points, rng=seed, n_trials=4)
    # the triple product is SO(3)- but not O(3)-invariant: reflections are really drawn.
    # All 32 draws with det +1 has probability 2**-32; a reflection changes the value by
    # 2 |x_0 . (x_1 x x_2)|, resolvable when that is well above 1e3 eps (float32: 1e-4)
    assume(abs(float(triple_product(np.asarray(_cloud(np, None, seed, n))))) > 0.05)
    with pytest.raises(AssertionError, match="fn is not invariant"):
        assert_invariant(
            triple_product, x, sample=o3.sample, act_in=o3.act_points, n_trials=32, rng=seed
        )


def test_failure_message_reports_the_worst_trial() -> None:
    seed, n_trials = 7, 6
    x = np.random.default_rng(0).standard_normal((5, 3))
    so3 = groups.rotations(3)
    with pytest.raises(AssertionError) as info:
        assert_equivariant(
            first_axis_weighted,
            x,
            sample=so3.sample,
            act_in=so3.act_points,
            act_out=so3.act_points,
            n_trials=n_trials,
            rng=seed,
            check_nonconstant=False,  # no perturbed outputs: the scale is the trials' own
        )
    msg = str(info.value)
    # replay the trials on the host: the group elements are the first draws of the stream
    gen = np.random.default_rng(seed)
    y = first_axis_weighted(x)
    errs, elems, scale = [], [], float(np.max(np.abs(y)))
    for _ in range(n_trials):
        g = so3.sample(gen)
        a, b = first_axis_weighted(x @ g.T), y @ g.T
        errs.append(float(np.max(np.abs(a - b))))
        scale = max(scale, float(np.max(np.abs(a))), float(np.max(np.abs(b))))
        elems.append(g)
    tol = 1e3 * float(np.finfo(np.float64).eps) * scale
    i = int(np.argmax(errs))
    assert f"{n_trials} of {n_trials} trials failed" in msg
    assert f"worst trial {i}:" in msg
    assert f"= {errs[i]:.3e} > tol = {tol:.3e}" in msg
    match = re.search(r"g =\n(array\(.*\))", msg, flags=re.DOTALL)
    assert match is not None
    reported = eval(match.group(1), {"array": np.array})  # the rounded host repr
    np.testing.assert_allclose(reported, elems[i], atol=5e-5)


# non-vacuity --------------------------------------------------------------------------
def test_constant_functions_are_refused(xp: Any, device: Any) -> None:
    seed = 12
    x = _cloud(xp, device, seed, 7)
    o3, e3 = groups.orthogonal(3), groups.euclidean(3)

    def zeros(x: Any) -> Any:
        return xp.zeros_like(x)

    def one(x: Any) -> Any:
        return xp.asarray(1.0, dtype=x.dtype, device=device)

    kw_eq = {"sample": o3.sample, "act_in": o3.act_points, "act_out": o3.act_points}
    with pytest.raises(AssertionError, match=r"constant.*check_nonconstant=False"):
        assert_equivariant(zeros, x, rng=seed, **kw_eq)
    assert_equivariant(zeros, x, rng=seed, check_nonconstant=False, check_moves=False, **kw_eq)
    with pytest.raises(AssertionError, match=r"fn looks constant near x"):
        assert_invariant(one, x, sample=e3.sample, act_in=e3.act_points, rng=seed)
    assert_invariant(
        one, x, sample=e3.sample, act_in=e3.act_points, rng=seed, check_nonconstant=False
    )


def test_nearly_constant_function_is_refused_against_atol() -> None:
    # outputs ~1e-9 vary, but by far less than 10 * atol: the test could not see a violation
    x = np.random.default_rng(1).standard_normal((6, 3))
    o3 = groups.orthogonal(3)

    def tiny(x: Any) -> Any:
        return 1e-9 * scaled(x)

    kw = {"sample": o3.sample, "act_in": o3.act_points, "act_out": o3.act_points, "rng": 1}
    assert_equivariant(tiny, x, **kw)  # relative default tolerance: fine
    with pytest.raises(AssertionError, match="fn looks constant near x"):
        assert_equivariant(tiny, x, atol=1e-6, **kw)
    # ... and, with that check off, its output does not move by more than 10 * atol either
    with pytest.raises(AssertionError, match="would only test invariance"):
        assert_equivariant(tiny, x, atol=1e-6, check_nonconstant=False, **kw)


def test_invariant_check_perturbs_off_the_orbit() -> None:
    # radii are constant on the E(3)-orbit of x (all trials agree exactly up to round-off), yet
    # the non-constancy check passes because it evaluates radii off the orbit
    x = np.random.default_rng(2).standard_normal((6, 3))
    e3 = groups.euclidean(3)
    assert_invariant(radii, x, sample=e3.sample, act_in=e3.act_points, rng=2)

    # a function constant on a neighbourhood (it only sees whether the first point is finite)
    def step(x: Any) -> Any:
        return np.asarray(float(np.all(np.isfinite(x[0]))))

    with pytest.raises(AssertionError, match="fn looks constant near x"):
        assert_invariant(step, x, sample=e3.sample, act_in=e3.act_points, rng=2)


def test_trivial_actions_are_refused(xp: Any, device: Any) -> None:
    seed = 13
    x = _cloud(xp, device, seed, 7)
    e3 = groups.euclidean(3)

    def identity(g: Any, y: Any) -> Any:
        return y

    # an invariant fn with act_out = identity only tests invariance
    with pytest.raises(AssertionError, match=r"only test invariance.*check_moves=False"):
        assert_equivariant(radii, x, sample=e3.sample, act_in=e3.act_points, act_out=identity)
    assert_equivariant(
        radii, x, sample=e3.sample, act_in=e3.act_points, act_out=identity, check_moves=False
    )
    # act_in = identity: any fn would pass
    with pytest.raises(AssertionError, match=r"does not move x|moves x"):
        assert_invariant(first_axis_weighted, x, sample=e3.sample, act_in=identity, rng=seed)
    # x = 0 is a fixed point of O(3)
    o3 = groups.orthogonal(3)
    with pytest.raises(AssertionError, match="moves x"):
        assert_equivariant(
            scaled, xp.zeros_like(x), sample=o3.sample, act_in=o3.act_points,
            act_out=o3.act_points, rng=seed, check_nonconstant=False,
        )  # fmt: skip


# other behaviour ----------------------------------------------------------------------
def test_integer_inputs_need_the_explicit_opt_out() -> None:
    labels = np.arange(10)
    s10 = groups.permutations(10)

    def total(v: Any) -> Any:
        return np.sum(v)

    with pytest.raises(TypeError, match="check_nonconstant=False"):
        assert_invariant(total, labels, sample=s10.sample, act_in=s10.act_vectors, rng=0)
    assert_invariant(
        total, labels, sample=s10.sample, act_in=s10.act_vectors, rng=0, check_nonconstant=False
    )
    with pytest.raises(AssertionError, match="not invariant"):
        assert_invariant(
            lambda v: v[0], labels, sample=s10.sample, act_in=s10.act_vectors, rng=0,
            check_nonconstant=False,
        )  # fmt: skip


def test_shape_mismatch_and_nan_fail() -> None:
    x = np.random.default_rng(3).standard_normal((4, 3))
    o3 = groups.orthogonal(3)
    with pytest.raises(AssertionError, match="same shape"):
        assert_equivariant(
            scaled, x, sample=o3.sample, act_in=o3.act_points, act_out=lambda g, y: y[:2], rng=0
        )

    def nan_on_moved(x: Any) -> Any:
        return norms(x) if np.array_equal(x, x0) else np.full(4, np.nan)

    x0 = x
    with pytest.raises(AssertionError, match="not invariant"):
        assert_invariant(nan_on_moved, x, sample=o3.sample, act_in=o3.act_points, rng=0)


def test_inputs_not_mutated_and_reproducible() -> None:
    x = np.random.default_rng(4).standard_normal((5, 3))
    saved = x.copy()
    x.flags.writeable = False
    e3 = groups.euclidean(3)
    assert_invariant(radii, x, sample=e3.sample, act_in=e3.act_points, rng=0)
    np.testing.assert_array_equal(x, saved)
    msgs = []
    for _ in range(2):
        with pytest.raises(AssertionError) as info:
            assert_invariant(norms, x, sample=e3.sample, act_in=e3.act_points, rng=11)
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"n_trials": 0}, ValueError, "n_trials must be a positive int; got 0"),
        ({"n_trials": 2.5}, TypeError, "n_trials must be a positive int; got float"),
        ({"atol": -1.0}, ValueError, "atol must be a finite non-negative"),
        ({"rtol": "big"}, TypeError, "rtol must be a non-negative"),
        ({"rng": "seed"}, TypeError, "rng must be"),
        ({"sample": None}, TypeError, "sample must be callable"),
        ({"act_out": 3}, TypeError, "act_out must be callable"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], exc: type[Exception], match: str) -> None:
    o3 = groups.orthogonal(3)
    x = np.random.default_rng(5).standard_normal((4, 3))
    base: dict[str, Any] = {
        "sample": o3.sample,
        "act_in": o3.act_points,
        "act_out": o3.act_points,
        "rng": 0,
    }
    with pytest.raises(exc, match=match):
        assert_equivariant(scaled, x, **{**base, **kwargs})


def test_bad_fn() -> None:
    o3 = groups.orthogonal(3)
    x = np.ones((4, 3))
    with pytest.raises(TypeError, match="fn must be callable"):
        assert_invariant("norms", x, sample=o3.sample, act_in=o3.act_points)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="fn must return an array"):
        assert_invariant(lambda x: "abc", x, sample=o3.sample, act_in=o3.act_points)
