"""Tests of estimate_order / assert_rate: the fit against scipy.stats.linregress, the band's
coverage, windows, Array API inputs, and refusal of wrong slopes and degenerate data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st

from refimpl.testing import OrderEstimate, assert_rate, estimate_order
from refimpl.testing.strategies import seeds, sizes


def _noisy(seed: int, m: int, slope: float, sigma: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """err = 2 x^slope exp(sigma N(0,1)) on x = logspace(1, 4, m): 3 decades of x."""
    gen = np.random.default_rng(seed)
    x = np.logspace(1, 4, m)
    return x, 2.0 * x**slope * np.exp(sigma * gen.standard_normal(m))


def test_exact_power_law() -> None:
    n = np.array([4, 8, 16, 32, 64])
    fit = estimate_order(n, 7.0 * n**-1.5)
    assert isinstance(fit, OrderEstimate)
    assert abs(fit.slope + 1.5) < 1e-12
    assert abs(fit.intercept - np.log(7.0)) < 1e-12
    assert fit.stderr < 1e-12
    assert fit.ci_low <= fit.slope <= fit.ci_high
    assert fit.n_points == 5
    assert abs(fit.x_decades - np.log10(16)) < 1e-12
    assert abs(fit.err_decades - 1.5 * np.log10(16)) < 1e-12
    assert fit.confidence == 0.95


@given(seed=seeds(), m=sizes(3, 30), slope=st.floats(-3.0, 3.0))
def test_fit_matches_scipy_linregress(seed: int, m: int, slope: float) -> None:
    x, err = _noisy(seed, m, slope, sigma=0.3)
    fit = estimate_order(x, err)
    ref = scipy.stats.linregress(np.log(x), np.log(err))
    # the two use different formulas for the residual sum of squares, which cancels when
    # the fit is nearly exact: an absolute 1e-10 (~1e6 eps times |log err| ~ 10) covers it
    tol = {"rtol": 1e-9, "atol": 1e-10}
    np.testing.assert_allclose(
        [fit.slope, fit.intercept, fit.stderr], [ref.slope, ref.intercept, ref.stderr], **tol
    )
    half = scipy.stats.t.ppf(0.975, m - 2) * ref.stderr
    np.testing.assert_allclose(
        [fit.ci_low, fit.ci_high], [ref.slope - half, ref.slope + half], **tol
    )


def test_band_has_its_nominal_coverage() -> None:
    """Over 1000 independent noisy data sets the 95% band holds the true slope ~95% of the time."""
    n_sets = 1000
    covered = 0
    for seed in range(n_sets):
        fit = estimate_order(*_noisy(seed, 6, -2.0, sigma=0.2))
        covered += fit.ci_low <= -2.0 <= fit.ci_high
    # binomial standard error sqrt(0.95 * 0.05 / 1000) = 0.0069; 4 sd
    assert abs(covered / n_sets - 0.95) < 4 * 0.0069, covered


def test_window_selects_the_asymptotic_range() -> None:
    # pre-asymptotic transient for n < 16 (slope -1), asymptotic slope -2, a floor at 1e-9
    n = 2.0 ** np.arange(1, 21)
    err = np.where(n < 16, 1.0 / n, 16.0 / n**2) + 1e-9
    assert abs(estimate_order(n, err).slope + 2.0) > 0.2  # the whole range is misleading
    fit = estimate_order(n, err, window=(16, 2**11))
    assert abs(fit.slope + 2.0) < 1e-3
    assert fit.n_points == 8
    assert estimate_order(n, err, window=(16, None)).n_points == 17
    assert estimate_order(n, err, window=(None, 8)).n_points == 3
    # the window is on x, whatever the ordering of the points
    fit_rev = estimate_order(n[::-1], err[::-1], window=(16, 2**11))
    assert abs(fit_rev.slope - fit.slope) < 1e-12


def test_array_api_inputs(xp: Any, device: Any) -> None:
    x, err = _noisy(3, 8, -1.0)
    dtype = xp.float32  # available everywhere, including strict's no_float64 device
    xa = xp.asarray(x, dtype=dtype, device=device)
    ea = xp.asarray(err, dtype=dtype, device=device)
    fit = estimate_order(xa, ea)
    ref = estimate_order(x.astype(np.float32).tolist(), err.astype(np.float32).tolist())
    assert fit == ref
    assert_rate(xa, ea, expected=-1.0, tol=0.1)


@given(seed=seeds(), slope=st.sampled_from([-2.0, -1.0, -0.5, 1.0, 2.0]))
def test_assert_rate_passes_on_the_true_slope_and_fails_on_a_wrong_one(
    seed: int, slope: float
) -> None:
    x, err = _noisy(seed, 12, slope)  # 3 decades of x: 3 |slope| decades of err (>= 1.5)
    fit = estimate_order(x, err)
    # sigma 0.05 over 3 decades of x: stderr ~ 0.005, so 0.1 is > 10 sd
    assert abs(fit.slope - slope) < 0.1
    out = assert_rate(x, err, expected=slope, tol=0.1, min_decades=1.0)
    assert out == fit
    if abs(slope) >= 1:  # >= 3 decades: the default min_decades=2 is met
        assert_rate(x, err, expected=slope, tol=0.1)
    with pytest.raises(AssertionError, match=r"fitted slope .* differs from expected") as info:
        assert_rate(x, err, expected=slope + 0.3, tol=0.1, min_decades=1.0)
    msg = str(info.value)
    assert "95% band [" in msg
    assert "x = [" in msg
    assert "err = [" in msg


def test_assert_rate_requires_two_decades_of_error() -> None:
    x = np.linspace(10.0, 30.0, 8)  # half a decade of x: err falls by ~1 decade only
    err = x**-2.0
    fit = estimate_order(x, err)
    assert abs(fit.slope + 2.0) < 1e-12  # the slope itself is right...
    with pytest.raises(AssertionError, match=r"span only 0\.95 decades.*min_decades = 2"):
        assert_rate(x, err, expected=-2.0, tol=0.1)  # ... but the evidence is too thin
    assert_rate(x, err, expected=-2.0, tol=0.1, min_decades=0.9)
    # a plateau (round-off floor) spans no decade at all
    with pytest.raises(AssertionError, match="span only"):
        assert_rate(np.logspace(1, 4, 6), np.full(6, 1e-15), expected=0.0, tol=0.1)
    assert_rate(np.logspace(1, 4, 6), np.full(6, 1e-15), expected=0.0, tol=0.1, min_decades=0)


@pytest.mark.parametrize(
    ("x", "err", "exc", "match"),
    [
        ([1, 2, 3], [1.0, 0.0, 0.5], ValueError, r"err must be positive.*index 1"),
        ([1, 2, 3], [1.0, -0.1, 0.5], ValueError, "err must be positive"),
        ([0, 2, 3], [1.0, 0.5, 0.2], ValueError, r"x must be positive.*index 0"),
        ([1, 2, 3], [1.0, np.nan, 0.5], ValueError, "err must be finite"),
        ([1, 2], [1.0, 0.5], ValueError, "at least 3 points"),
        ([1, 2, 3, 4], [1.0, 0.5, 0.2], ValueError, "same length"),
        ([[1, 2, 3]], [[1.0, 0.5, 0.2]], ValueError, "x must be 1-D"),
        ([2, 2, 2], [1.0, 0.5, 0.2], ValueError, "two distinct values"),
        ([True, False, True], [1.0, 0.5, 0.2], TypeError, "x must hold real numbers"),
        ([1, 2, 3], [1j, 2j, 3j], TypeError, "err must hold real numbers"),
        ("abc", [1.0, 0.5, 0.2], TypeError, "x must be a 1-D array or a list"),
    ],
)
def test_degenerate_input_is_refused(x: Any, err: Any, exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        estimate_order(x, err)
    with pytest.raises(exc, match=match):
        assert_rate(x, err, expected=-1.0, tol=0.1)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"window": (8, 2)}, ValueError, "lo <= hi"),
        ({"window": [1, 8]}, TypeError, r"window must be None or a \(lo, hi\) tuple"),
        ({"window": ("a", None)}, TypeError, "window.0. must be a real number"),
        ({"window": (3, None)}, ValueError, "at least 3 points in the window; got 2"),
    ],
)
def test_bad_windows(kwargs: dict[str, Any], exc: type[Exception], match: str) -> None:
    x = [1, 2, 4, 8]
    with pytest.raises(exc, match=match):
        estimate_order(x, [1.0, 0.3, 0.1, 0.03], **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"expected": -1.0, "tol": 0.0}, ValueError, "tol must be a finite positive"),
        ({"expected": -1.0, "tol": "0.1"}, TypeError, "tol must be a positive real"),
        ({"expected": float("nan"), "tol": 0.1}, ValueError, "expected must be finite"),
        ({"expected": None, "tol": 0.1}, TypeError, "expected must be a real number"),
        ({"expected": -1.0, "tol": 0.1, "min_decades": -1}, ValueError, "min_decades must be"),
    ],
)
def test_bad_assert_rate_options(kwargs: dict[str, Any], exc: type[Exception], match: str) -> None:
    x = np.logspace(0, 3, 5)
    with pytest.raises(exc, match=match):
        assert_rate(x, 1 / x, **kwargs)


# ------------------------------------------------------------------------- semilog scales
def test_semilogy_recovers_a_geometric_rate():
    k = np.arange(0.0, 60.0, 3.0)
    rng = np.random.default_rng(3)
    err = 5.0 * 0.8**k * np.exp(0.01 * rng.standard_normal(k.size))
    fit = estimate_order(k, err, scale="semilogy")
    assert abs(fit.slope - np.log(0.8)) < 5e-3
    assert fit.ci_low <= np.log(0.8) <= fit.ci_high
    # a loglog fit of the same data is not a constant slope: the two scales differ
    assert abs(estimate_order(k[1:], err[1:]).slope - np.log(0.8)) > 1.0
    assert_rate(k, err, expected=float(np.log(0.8)), tol=0.01, scale="semilogy")
    with pytest.raises(AssertionError, match="fitted slope"):
        assert_rate(k, err, expected=float(np.log(0.9)), tol=0.01, scale="semilogy")


def test_semilogx_recovers_logarithmic_growth_and_allows_zero_errors():
    T = np.array([16.0, 64.0, 256.0, 1024.0, 4096.0])
    regret = 2.5 * np.log(T) - np.log(16.0) * 2.5  # zero at the first point
    fit = estimate_order(T, regret, scale="semilogx")
    assert fit.slope == pytest.approx(2.5, rel=1e-12)
    assert np.isnan(fit.err_decades)
    assert_rate(T, regret, expected=2.5, tol=0.01, scale="semilogx")
    with pytest.raises(ValueError, match="err must be positive"):
        estimate_order(T, regret)  # the default log-log scale refuses err = 0


def test_semilogy_allows_x_zero_but_not_err_zero():
    k = np.array([0.0, 1.0, 2.0, 3.0])
    assert estimate_order(k, 2.0**-k, scale="semilogy").slope == pytest.approx(-np.log(2.0))
    with pytest.raises(ValueError, match="err must be positive"):
        estimate_order(k, np.array([1.0, 0.5, 0.0, 0.1]), scale="semilogy")


def test_unknown_scale_raises():
    with pytest.raises(ValueError, match="scale must be one of"):
        estimate_order([1, 2, 4], [1, 2, 4], scale="loglin")  # type: ignore[arg-type]
