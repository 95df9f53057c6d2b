"""Equivariance and invariance checks for any group given as a sampler plus actions.

Public entry points: :func:`assert_equivariant` and :func:`assert_invariant` (re-exported by
:mod:`refimpl.testing`). They are plain functions raising ``AssertionError``; they need
neither pytest nor hypothesis and work on arrays of any Array API namespace.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import array_api_compat as compat
import numpy as np

from refimpl import _xp

__all__ = ["assert_equivariant", "assert_invariant"]

#: default relative tolerance, in units of eps of the output dtype
RTOL_EPS_FACTOR = 1.0e3
#: non-vacuity checks require a spread (or a displacement) above this many tolerances
VACUITY_FACTOR = 10.0
#: number of random off-orbit perturbations in the non-constancy check
N_PERTURBATIONS = 4
#: rms of the perturbations, relative to the rms of x
PERTURBATION_SCALE = 0.5

Sampler = Callable[[np.random.Generator], Any]
Action = Callable[[Any, Any], Any]


@dataclass(frozen=True, slots=True)
class _Diff:
    err: float  # max |a - b|
    scale: float  # max(max |a|, max |b|)


def _as_output(y: Any, what: str) -> tuple[Any, Any]:
    try:
        xp, (arr,) = _xp.as_arrays(y)
    except TypeError as exc:
        msg = f"{what} must return an array; got {type(y).__module__}.{type(y).__name__}"
        raise TypeError(msg) from exc
    if isinstance(arr, np.ndarray) and arr.dtype.kind not in "iufc":
        msg = f"{what} must return a numeric array; got dtype {arr.dtype}"
        raise TypeError(msg)
    if xp.isdtype(arr.dtype, "bool"):
        msg = f"{what} must return a numeric array; got dtype {arr.dtype}"
        raise TypeError(msg)
    return xp, arr


def _abs_max(xp: Any, a: Any) -> float:
    if math.prod(a.shape) == 0:
        return 0.0
    return float(xp.max(xp.abs(a)))


def _diff(a: Any, b: Any, *, what_a: str, what_b: str) -> _Diff:
    _, a = _as_output(a, what_a)
    _, b = _as_output(b, what_b)
    if tuple(a.shape) != tuple(b.shape):
        msg = (
            f"{what_a} and {what_b} must have the same shape; "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )
        raise AssertionError(msg)
    xp, (a, b) = _xp.as_arrays(a, b)
    if a.dtype != b.dtype:  # e.g. integer x against a rotated (float) act_in(g, x)
        try:
            common = xp.result_type(a.dtype, b.dtype)
        except TypeError:  # array_api_strict refuses int/float mixing
            common = a.dtype if xp.isdtype(a.dtype, "real floating") else b.dtype
        a, b = xp.astype(a, common), xp.astype(b, common)
    if math.prod(a.shape) == 0:
        return _Diff(0.0, 0.0)
    err = float(xp.max(xp.abs(a - b)))
    if math.isnan(err):
        err = math.inf
    return _Diff(err, max(_abs_max(xp, a), _abs_max(xp, b)))


def _dtype_eps(y: Any) -> float:
    xp, y = _as_output(y, "fn")
    if xp.isdtype(y.dtype, ("real floating", "complex floating")):
        return _xp.eps(xp, y.dtype)
    return 0.0  # integer outputs are compared exactly


def _format_element(g: Any) -> str:
    """repr of a group element as host NumPy, rounded to 4 decimals."""
    if isinstance(g, tuple | list):
        return "(" + ", ".join(_format_element(e) for e in g) + ")"
    if isinstance(g, np.ndarray) or compat.is_array_api_obj(g):
        a = _xp.to_host(g)
        if a.dtype.kind in "fc":
            a = np.round(a, 4) + 0.0  # + 0.0 turns -0.0 into 0.0
        return np.array_repr(a, max_line_width=100, precision=4, suppress_small=True)
    return repr(g)


def _check_tol(value: Any, name: str) -> float | None:
    return None if value is None else _xp.nonnegative_float(value, name=name)


def _check(
    fn: Callable[[Any], Any],
    x: Any,
    *,
    sample: Sampler,
    act_in: Action,
    act_out: Action | None,
    n_trials: Any,
    rng: Any,
    atol: Any,
    rtol: Any,
    check_nonconstant: bool,
    check_moves: bool,
) -> None:
    kind = "invariant" if act_out is None else "equivariant"
    name = f"assert_{kind}"
    n = _xp.positive_int(n_trials, name="n_trials")
    atol_v = _check_tol(atol, "atol")
    rtol_v = _check_tol(rtol, "rtol")
    for arg, argname in ((fn, "fn"), (sample, "sample"), (act_in, "act_in")):
        if not callable(arg):
            msg = f"{argname} must be callable; got {type(arg).__name__}"
            raise TypeError(msg)
    if act_out is not None and not callable(act_out):
        msg = f"act_out must be callable; got {type(act_out).__name__}"
        raise TypeError(msg)
    gen = _xp.rng(rng)
    xp, (x,) = _xp.as_arrays(x)

    y = fn(x)
    eps = _dtype_eps(y)
    rtol_f = RTOL_EPS_FACTOR * eps if rtol_v is None else rtol_v
    atol_f = 0.0 if atol_v is None else atol_v
    elements = [sample(gen) for _ in range(n)]  # drawn first: a replay needs only `sample`

    # off-orbit evaluations fn(x + delta): the non-constancy check, and the output scale
    scale = _abs_max(*_as_output(y, "fn"))
    spread = 0.0
    if check_nonconstant:
        if not xp.isdtype(x.dtype, ("real floating", "complex floating")):
            msg = (
                f"x must be a floating array for check_nonconstant=True (it is perturbed); "
                f"got dtype {x.dtype}. Pass check_nonconstant=False and check non-vacuity "
                "yourself."
            )
            raise TypeError(msg)
        rms = float(xp.sqrt(xp.mean(xp.abs(x) * xp.abs(x)))) if math.prod(x.shape) else 0.0
        sigma = PERTURBATION_SCALE * (rms if rms > 0 else 1.0)
        for _ in range(N_PERTURBATIONS):
            noise = _xp.random_normal(
                gen, tuple(x.shape), xp=xp, dtype=x.dtype, device=_xp.device(x)
            )
            d = _diff(fn(x + sigma * noise), y, what_a="fn(x + delta)", what_b="fn(x)")
            spread = max(spread, d.err)
            scale = max(scale, d.scale)

    # 1. the trials
    lhs = "fn(act_in(g, x))"
    rhs = "fn(x)" if act_out is None else "act_out(g, fn(x))"
    errs: list[float] = []
    move_in = 0.0  # max |act_in(g, x) - x|
    move_out = 0.0  # max |act_out(g, fn(x)) - fn(x)|
    for g in elements:
        gx = act_in(g, x)
        move_in = max(move_in, _diff(gx, x, what_a="act_in(g, x)", what_b="x").err)
        ref = y if act_out is None else act_out(g, y)
        d = _diff(fn(gx), ref, what_a=lhs, what_b=rhs)
        errs.append(d.err)
        scale = max(scale, d.scale)
        if act_out is not None:
            move_out = max(move_out, _diff(ref, y, what_a=rhs, what_b="fn(x)").err)
    tol = atol_f + rtol_f * scale
    n_fail = sum(not e <= tol for e in errs)
    if n_fail:
        i = max(range(n), key=lambda k: errs[k])
        msg = (
            f"{name}: fn is not {kind}: {n_fail} of {n} trials failed; worst trial {i}: "
            f"max|{lhs} - {rhs}| = {errs[i]:.3e} > tol = {tol:.3e} "
            f"(atol = {atol_f:.3e} + rtol = {rtol_f:.3e} * max|output| = {scale:.3e}); "
            f"group element g =\n{_format_element(elements[i])}"
        )
        raise AssertionError(msg)

    # 2. the group elements must move x
    if check_moves:
        thr = VACUITY_FACTOR * RTOL_EPS_FACTOR * _dtype_eps(x) * _abs_max(xp, x)
        if not move_in > thr:
            msg = (
                f"{name} would pass vacuously: none of the {n} sampled group elements moves x "
                f"(max|act_in(g, x) - x| = {move_in:.3e}, needs > {thr:.3e} = "
                f"{VACUITY_FACTOR:g} * {RTOL_EPS_FACTOR:g} * eps * max|x|). x may be a fixed "
                "point of the group (e.g. zeros), or act_in may be the identity. Pass "
                "check_moves=False if this is intended."
            )
            raise AssertionError(msg)

    # 3. fn must not be constant near x (off the orbit of x)
    if check_nonconstant and not spread > VACUITY_FACTOR * tol:
        msg = (
            f"{name} would pass vacuously: fn looks constant near x. Over "
            f"{N_PERTURBATIONS} random perturbations delta of rms {PERTURBATION_SCALE:g} * "
            f"rms(x), max|fn(x + delta) - fn(x)| = {spread:.3e}, needs > "
            f"{VACUITY_FACTOR * tol:.3e} ({VACUITY_FACTOR:g} * tol). A constant fn (e.g. one "
            f"returning zeros) is trivially {kind}. Use an input on which fn varies, or pass "
            "check_nonconstant=False if a constant fn is intended."
        )
        raise AssertionError(msg)

    # 4. for equivariance, act_out must move fn(x)
    if check_moves and act_out is not None and not move_out > VACUITY_FACTOR * tol:
        msg = (
            f"{name} would only test invariance: max|act_out(g, fn(x)) - fn(x)| = "
            f"{move_out:.3e} over the {n} sampled g, needs > {VACUITY_FACTOR * tol:.3e} "
            f"({VACUITY_FACTOR:g} * tol). If fn is meant to be invariant use assert_invariant; "
            "otherwise check act_out, or pass check_moves=False if this is intended."
        )
        raise AssertionError(msg)


def assert_equivariant(
    fn: Callable[[Any], Any],
    x: Any,
    /,
    *,
    sample: Sampler,
    act_in: Action,
    act_out: Action,
    n_trials: int = 8,
    rng: Any = None,
    atol: float | None = None,
    rtol: float | None = None,
    check_nonconstant: bool = True,
    check_moves: bool = True,
) -> None:
    r"""Assert ``fn(act_in(g, x)) == act_out(g, fn(x))`` for random group elements ``g``.

    Parameters
    ----------
    fn : callable
        The function under test, ``fn(x) -> y``; ``y`` is an array (any namespace; a Python
        scalar counts as a 0-D NumPy array).
    x : array, any shape and Array API namespace
        The input. It is passed to ``fn`` and ``act_in`` as is (lists become NumPy arrays).
    sample : callable
        ``sample(gen: numpy.random.Generator) -> g``: draws a group element (e.g.
        ``refimpl.testing.groups.orthogonal(3).sample``).
    act_in, act_out : callable
        ``act_in(g, x)`` and ``act_out(g, y)``: the actions on the input and output spaces,
        e.g. ``group.act_points`` and ``group.act_vectors``.
    n_trials : int, default 8
        Number of group elements drawn.
    rng : numpy.random.Generator, int or None
        Seeds the group elements and the perturbations of the non-constancy check.
    atol, rtol : float or None
        A trial passes when ``max|fn(act_in(g, x)) - act_out(g, fn(x))| <= tol = atol +
        rtol * s``, with ``s`` the output's magnitude near ``x``: the largest ``|.|`` over
        every output the check computes (``fn(x)``, each ``fn(act_in(g, x))`` and
        ``act_out(g, fn(x))``, and the perturbed ``fn(x + delta)`` of the non-constancy
        check). Defaults: ``atol = 0`` and ``rtol = 1e3 * eps`` of ``fn``'s output dtype
        (0 for integer outputs: exact).
    check_nonconstant : bool, default True
        Refuse to pass if ``fn`` is constant near ``x`` (see Notes).
    check_moves : bool, default True
        Refuse to pass if the sampled elements do not move ``x`` or ``fn(x)`` (see Notes).

    Raises
    ------
    AssertionError
        If a trial fails (the message gives the worst trial's index, error, tolerance and
        group element, rounded host NumPy), if shapes differ, or if a non-vacuity check fails.
    TypeError, ValueError
        For bad arguments (non-callable ``fn``, ``n_trials < 1``, negative tolerances, a
        non-floating ``x`` with ``check_nonconstant=True``).

    Notes
    -----
    Equivariance as in Puny et al. [1]_, Sec. 2: ``fn(rho_1(g) x) = rho_2(g) fn(x)`` for every
    ``g`` in the group, here ``rho_1 = act_in`` and ``rho_2 = act_out``.

    *Tolerance.* ``1e3 * eps`` relative to the output's magnitude leaves room for the
    round-off of the actions (a few ``d``-term dot products) and of ``fn`` (sums of up to
    ~1e4 terms grow round-off like ``sqrt(n) eps``), while a real equivariance error is
    O(1) relative. The magnitude is taken near ``x``, not at ``x`` alone, because round-off
    scales with the size of the terms ``fn`` adds up: a triple product of nearly coplanar
    points is small at ``x`` but carries the round-off of its O(1) terms. Ill-conditioned
    ``fn`` (eigen-decompositions, deep networks in float32) may need a larger ``rtol``.

    *Non-vacuity.* A test that cannot fail proves nothing, so by default:

    - ``check_moves``: some sampled ``g`` must move the input, ``max|act_in(g, x) - x| >
      1e4 * eps * max|x|`` (any change for integer ``x``), else any ``fn`` would pass; and
      some ``g`` must move the output, ``max|act_out(g, fn(x)) - fn(x)| > 10 * tol``,
      else the test only checks invariance (use :func:`assert_invariant` for that).
    - ``check_nonconstant``: ``fn`` is evaluated at 4 inputs ``x + delta`` with Gaussian
      ``delta`` of rms ``0.5 * rms(x)`` (1 if ``x = 0``), drawn from ``rng``; the spread
      ``max|fn(x + delta) - fn(x)|`` must exceed ``10 * tol``. A constant ``fn`` (zeros)
      is trivially equivariant for linear actions.

    For a small finite group, all ``n_trials`` draws are the identity with probability
    ``|G|**-n_trials`` (``6**-8 = 6e-7`` for S_3), and the move check then refuses to pass:
    raise ``n_trials`` for such groups.

    Group elements are drawn first (``n_trials`` calls of ``sample(gen)``), then the
    perturbations, so a failing trial can be replayed from the same seed.

    References
    ----------
    .. [1] O. Puny et al., "Frame Averaging for Invariant and Equivariant Network Design",
       ICLR 2022, arXiv:2110.03336, Sec. 2 (group actions, invariance and equivariance).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.testing import assert_equivariant, groups
    >>> so3 = groups.rotations(3)
    >>> x = np.random.default_rng(0).standard_normal((5, 3))
    >>> def fn(x):  # scales the cloud by its total squared norm: rotation-equivariant
    ...     return np.sum(x * x) * x
    >>> assert_equivariant(fn, x, sample=so3.sample, act_in=so3.act_points,
    ...                    act_out=so3.act_points, rng=0)
    >>> try:
    ...     assert_equivariant(lambda x: x + np.array([1.0, 0, 0]), x, sample=so3.sample,
    ...                        act_in=so3.act_points, act_out=so3.act_points, rng=0)
    ... except AssertionError as e:
    ...     print(str(e).split(";")[0])
    assert_equivariant: fn is not equivariant: 8 of 8 trials failed
    """
    _check(
        fn,
        x,
        sample=sample,
        act_in=act_in,
        act_out=act_out,
        n_trials=n_trials,
        rng=rng,
        atol=atol,
        rtol=rtol,
        check_nonconstant=check_nonconstant,
        check_moves=check_moves,
    )


def assert_invariant(
    fn: Callable[[Any], Any],
    x: Any,
    /,
    *,
    sample: Sampler,
    act_in: Action,
    n_trials: int = 8,
    rng: Any = None,
    atol: float | None = None,
    rtol: float | None = None,
    check_nonconstant: bool = True,
    check_moves: bool = True,
) -> None:
    r"""Assert ``fn(act_in(g, x)) == fn(x)`` for random group elements ``g``.

    Parameters
    ----------
    fn : callable
        The function under test, ``fn(x) -> y`` (an array of any namespace, or a scalar).
    x : array, any shape and Array API namespace
        The input (lists become NumPy arrays).
    sample : callable
        ``sample(gen: numpy.random.Generator) -> g``: draws a group element.
    act_in : callable
        ``act_in(g, x)``: the action on the input space.
    n_trials : int, default 8
        Number of group elements drawn.
    rng : numpy.random.Generator, int or None
        Seeds the group elements and the perturbations of the non-constancy check.
    atol, rtol : float or None
        A trial passes when ``max|fn(act_in(g, x)) - fn(x)| <= tol = atol + rtol * s``,
        ``s`` the output's magnitude near ``x`` (as in :func:`assert_equivariant`: the
        largest ``|.|`` over all outputs the check computes); defaults ``atol = 0``,
        ``rtol = 1e3 * eps`` of the
        output dtype (exact for integer outputs).
    check_nonconstant : bool, default True
        Refuse to pass if ``fn`` is constant near ``x``, *off the orbit* (see Notes).
    check_moves : bool, default True
        Refuse to pass if no sampled ``g`` moves ``x`` (``max|act_in(g, x) - x| > 1e4 * eps *
        max|x|``): then any ``fn`` would pass.

    Raises
    ------
    AssertionError
        If a trial fails (worst trial's index, error, tolerance and group element in the
        message), if shapes differ, or if a non-vacuity check fails.
    TypeError, ValueError
        For bad arguments, as in :func:`assert_equivariant`.

    Notes
    -----
    Invariance as in Puny et al. [1]_, Sec. 2: ``fn(rho(g) x) = fn(x)``. An invariant ``fn``
    is constant along the orbit ``{g x}`` by design, so the non-constancy check looks *across*
    orbits: ``fn`` is evaluated at 4 inputs ``x + delta``, ``delta`` Gaussian with rms ``0.5 *
    rms(x)``. The orbit is a manifold of dimension at most ``dim G``, below the dimension of
    the input space, so ``x + delta`` lies on another orbit with probability 1 and a
    non-trivial invariant changes; the spread ``max|fn(x + delta) - fn(x)|`` must exceed
    ``10 * tol``. The default tolerance is justified in :func:`assert_equivariant`.

    References
    ----------
    .. [1] O. Puny et al., "Frame Averaging for Invariant and Equivariant Network Design",
       ICLR 2022, arXiv:2110.03336, Sec. 2.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.testing import assert_invariant, groups
    >>> e3 = groups.euclidean(3)
    >>> x = np.random.default_rng(0).standard_normal((6, 3))
    >>> def radii(x):  # distances to the centroid: E(3)-invariant
    ...     c = x - np.mean(x, axis=-2, keepdims=True)
    ...     return np.sqrt(np.sum(c * c, axis=-1))
    >>> assert_invariant(radii, x, sample=e3.sample, act_in=e3.act_points, rng=1)
    >>> try:
    ...     assert_invariant(lambda x: np.zeros(6), x, sample=e3.sample,
    ...                      act_in=e3.act_points, rng=1)
    ... except AssertionError as e:
    ...     print(str(e).split(".")[0])
    assert_invariant would pass vacuously: fn looks constant near x
    """
    _check(
        fn,
        x,
        sample=sample,
        act_in=act_in,
        act_out=None,
        n_trials=n_trials,
        rng=rng,
        atol=atol,
        rtol=rtol,
        check_nonconstant=check_nonconstant,
        check_moves=check_moves,
    )
