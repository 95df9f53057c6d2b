"""Exact Wigner 3j/6j symbols with half-integer arguments.

Oracle: ``sympy.physics.wigner`` (exact, independent implementation). Properties: selection
rules, the orthogonality of 3j symbols, and the hyperfine strength factors (6j) summing to one.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.optics import wigner_3j, wigner_6j

sympy_wigner = pytest.importorskip("sympy.physics.wigner", reason="sympy is the 3j/6j oracle")
sympy = pytest.importorskip("sympy", reason="sympy is the 3j/6j oracle")

EPS = float(np.finfo(np.float64).eps)
# one correctly rounded division + one square root (<= 2 ulp), plus sympy's own float
# conversion of an exact surd (<= 1 ulp): 4 eps relative
RTOL = 4 * EPS


def _half(k: int):
    return sympy.Rational(k, 2)


@st.composite
def _three_j_args(draw):
    d1, d2 = draw(st.integers(0, 9)), draw(st.integers(0, 9))
    d3 = draw(st.integers(abs(d1 - d2), d1 + d2).filter(lambda d: (d1 + d2 + d) % 2 == 0))
    e1 = draw(st.sampled_from(range(-d1, d1 + 1, 2)))
    e2 = draw(st.sampled_from(range(-d2, d2 + 1, 2)))
    return d1, d2, d3, e1, e2, -e1 - e2


@given(args=_three_j_args())
def test_3j_matches_sympy(args):
    ref = float(sympy_wigner.wigner_3j(*(_half(k) for k in args)))
    got = wigner_3j(*(Fraction(k, 2) for k in args))
    assert abs(got - ref) <= RTOL * abs(ref) + 1e-300
    # the same value from strings and floats
    assert wigner_3j(*(f"{k}/2" for k in args)) == got
    assert wigner_3j(*(k / 2 for k in args)) == got


@given(d=st.lists(st.integers(0, 9), min_size=6, max_size=6))
def test_6j_matches_sympy(d):
    js = [_half(k) for k in d]
    try:
        ref = float(sympy_wigner.wigner_6j(*js))
    except ValueError:  # sympy raises on non-integer triad sums: the symbol is zero
        ref = 0.0
    got = wigner_6j(*(Fraction(k, 2) for k in d))
    assert abs(got - ref) <= RTOL * abs(ref) + 1e-300


def test_known_values_are_not_all_zero():
    # non-vacuity of the oracle comparisons: definite non-zero half-integer values
    assert wigner_3j("1/2", "1/2", 1, "1/2", "-1/2", 0) == pytest.approx(1 / np.sqrt(6), rel=RTOL)
    assert wigner_6j("1/2", "1/2", 1, "1/2", "1/2", 0) == pytest.approx(0.5, rel=RTOL)
    assert wigner_6j("3/2", "1/2", 1, "1/2", "3/2", 1) != 0.0


def test_selection_rules_give_zero():
    assert wigner_3j(1, 1, 1, 1, 0, 0) == 0.0  # m sum != 0
    assert wigner_3j("1/2", "1/2", 3, "1/2", "-1/2", 0) == 0.0  # triangle
    assert wigner_3j(1, 1, 1, 0, 0, 0) == 0.0  # odd J with all m = 0
    assert wigner_3j("1/2", "1/2", 1, 1, -1, 0) == 0.0  # j - m not an integer
    assert wigner_6j("1/2", "1/2", "1/2", 1, 1, 1) == 0.0  # half-integer triad sum


@pytest.mark.parametrize(("d1", "d2"), [(1, 3), (3, 5), (5, 2), (7, 3)])
def test_3j_orthogonality(d1, d2):
    """sum_{m1,m2} (2 j3 + 1) (j1 j2 j3; m1 m2 m3)^2 = 1 for every allowed j3, m3."""
    for d3 in range(abs(d1 - d2), d1 + d2 + 1, 2):
        for e3 in range(-d3, d3 + 1, 2):
            total = 0.0
            for e1 in range(-d1, d1 + 1, 2):
                e2 = -e1 - e3
                if abs(e2) <= d2:
                    total += wigner_3j(d1 / 2, d2 / 2, d3 / 2, e1 / 2, e2 / 2, e3 / 2) ** 2
            assert (d3 + 1) * total == pytest.approx(1.0, rel=50 * EPS)


@pytest.mark.parametrize("nuclear", [Fraction(3, 2), Fraction(5, 2)])
@pytest.mark.parametrize("j_exc", [Fraction(1, 2), Fraction(3, 2)])
def test_hyperfine_strength_factors_sum_to_one(nuclear, j_exc):
    """S_FF' = (2F'+1)(2J+1){J J' 1; F' F I}^2 sums to 1 over F' (Steck, §4)."""
    j = Fraction(1, 2)
    for f in (nuclear - j, nuclear + j):
        fps = [abs(nuclear - j_exc) + k for k in range(int(2 * min(nuclear, j_exc)) + 1)]
        total = sum(
            (2 * fp + 1) * (2 * j + 1) * wigner_6j(j, j_exc, 1, fp, f, nuclear) ** 2 for fp in fps
        )
        assert float(total) == pytest.approx(1.0, rel=50 * EPS)


@pytest.mark.parametrize(
    ("bad", "exc", "text"),
    [
        (True, TypeError, "j1 must be an int or half-integer; got bool"),
        ([1], TypeError, "j1 must be an int or half-integer; got list"),
        (0.3, ValueError, "j1 must be an integer or half-integer"),
        ("x", ValueError, "j1 must be an int or half-integer"),
        (-1, ValueError, "j1 must be >= 0"),
        (float("nan"), ValueError, "j1 must be a finite half-integer"),
    ],
)
def test_bad_arguments_raise(bad, exc, text):
    with pytest.raises(exc, match=text):
        wigner_3j(bad, 1, 1, 0, 0, 0)
    with pytest.raises(exc, match=text):
        wigner_6j(bad, 1, 1, 1, 1, 1)


def test_integer_3j_agrees_with_the_so3_table_builder():
    # refimpl.so3 builds its Clebsch-Gordan tables with its own integer-only Racah sum
    # (binomial rows per degree triple); the two implementations must agree exactly
    from refimpl.so3.coupling import _wigner_3j_square

    for j1 in range(4):
        for j2 in range(4):
            for j3 in range(abs(j1 - j2), j1 + j2 + 1):
                for m1 in range(-j1, j1 + 1):
                    for m2 in range(-j2, j2 + 1):
                        m3 = -m1 - m2
                        if abs(m3) > j3:
                            continue
                        sign, square = _wigner_3j_square(j1, j2, j3, m1, m2, m3)
                        want = sign * float(square) ** 0.5
                        assert wigner_3j(j1, j2, j3, m1, m2, m3) == pytest.approx(want, abs=1e-15)
