r"""Exact Wigner 3j and 6j symbols with integer and half-integer angular momenta.

The atomic line strengths of :mod:`refimpl.optics.zeeman` need angular momenta such as
:math:`I = 5/2` and :math:`J = 1/2, 3/2`; :mod:`refimpl.so3.coupling` covers integer degrees
only. Arguments are given as ints, :class:`fractions.Fraction`, strings such as ``"3/2"`` or
floats that are exact multiples of 1/2; internally every argument is doubled to an int.
Each symbol is computed with Racah's formula in exact integer arithmetic, held as a signed
square ``sign * Fraction``, and rounded once (one correctly rounded division, one square
root: error <= 2 ulp).
"""

from __future__ import annotations

import functools
import math
import numbers
from fractions import Fraction
from typing import Any

__all__ = ["wigner_3j", "wigner_6j"]


def _twice(value: Any, name: str) -> int:
    """``2 * value`` as an int; ``value`` must be a multiple of 1/2."""
    if isinstance(value, bool):
        msg = f"{name} must be an int or half-integer; got bool"
        raise TypeError(msg)
    if isinstance(value, str):
        try:
            value = Fraction(value)
        except ValueError:
            msg = f"{name} must be an int or half-integer; got {value!r}"
            raise ValueError(msg) from None
    if not isinstance(value, numbers.Real):
        msg = f"{name} must be an int or half-integer; got {type(value).__name__}"
        raise TypeError(msg)
    if isinstance(value, float) and not math.isfinite(value):
        msg = f"{name} must be a finite half-integer; got {value!r}"
        raise ValueError(msg)
    if isinstance(value, numbers.Rational):
        frac = Fraction(int(value.numerator), int(value.denominator))
    else:
        frac = Fraction(float(value))
    twice = frac * 2
    if twice.denominator != 1:
        msg = f"{name} must be an integer or half-integer; got {value!r}"
        raise ValueError(msg)
    return int(twice)


@functools.cache
def _fact(n: int) -> int:
    return math.factorial(n)


def _delta_sq(a: int, b: int, c: int) -> Fraction | None:
    """Triangle coefficient Delta(abc) for doubled a, b, c; None if the triad is invalid."""
    if (a + b + c) % 2 or a + b < c or a + c < b or b + c < a:
        return None
    return Fraction(
        _fact((a + b - c) // 2) * _fact((a - b + c) // 2) * _fact((-a + b + c) // 2),
        _fact((a + b + c) // 2 + 1),
    )


def _signed_sqrt(sign: int, square: Fraction) -> float:
    if sign == 0 or square == 0:
        return 0.0
    return sign * math.sqrt(square.numerator / square.denominator)


@functools.cache
def _w3j_exact(d1: int, d2: int, d3: int, e1: int, e2: int, e3: int) -> tuple[int, Fraction]:
    """(sign, square) of the 3j symbol with doubled arguments (d = 2j, e = 2m)."""
    if e1 + e2 + e3 != 0:
        return 0, Fraction(0)
    for d, e in ((d1, e1), (d2, e2), (d3, e3)):
        if d < 0 or abs(e) > d or (d + e) % 2:
            return 0, Fraction(0)
    tri = _delta_sq(d1, d2, d3)
    if tri is None:
        return 0, Fraction(0)
    # integer quantities of Racah's formula (DLMF 34.2.4)
    j1m1, j1p1 = (d1 - e1) // 2, (d1 + e1) // 2
    j2m2, j2p2 = (d2 - e2) // 2, (d2 + e2) // 2
    j3m3, j3p3 = (d3 - e3) // 2, (d3 + e3) // 2
    a = (d1 + d2 - d3) // 2
    b1 = (d3 - d2 + e1) // 2  # j3 - j2 + m1
    b2 = (d3 - d1 - e2) // 2  # j3 - j1 - m2
    total = Fraction(0)
    for k in range(max(0, -b1, -b2), min(a, j1m1, j2p2) + 1):
        den = _fact(k) * _fact(b1 + k) * _fact(b2 + k) * _fact(a - k)
        den *= _fact(j1m1 - k) * _fact(j2p2 - k)
        total += Fraction(-1 if k % 2 else 1, den)
    if total == 0:
        return 0, Fraction(0)
    square = tri * total * total
    square *= _fact(j1m1) * _fact(j1p1) * _fact(j2m2) * _fact(j2p2) * _fact(j3m3) * _fact(j3p3)
    phase = (d1 - d2 - e3) // 2
    sign = (-1 if phase % 2 else 1) * (1 if total > 0 else -1)
    return sign, square


@functools.cache
def _w6j_exact(d1: int, d2: int, d3: int, d4: int, d5: int, d6: int) -> tuple[int, Fraction]:
    """(sign, square) of the 6j symbol {j1 j2 j3; j4 j5 j6} with doubled arguments."""
    if min(d1, d2, d3, d4, d5, d6) < 0:
        return 0, Fraction(0)
    triads = ((d1, d2, d3), (d1, d5, d6), (d4, d2, d6), (d4, d5, d3))
    deltas = [_delta_sq(*t) for t in triads]
    if any(dl is None for dl in deltas):
        return 0, Fraction(0)
    pref = Fraction(1)
    for dl in deltas:
        assert dl is not None
        pref *= dl
    a = [sum(t) // 2 for t in triads]
    b = [(d1 + d2 + d4 + d5) // 2, (d2 + d3 + d5 + d6) // 2, (d3 + d1 + d6 + d4) // 2]
    total = Fraction(0)
    for t in range(max(a), min(b) + 1):
        den = 1
        for ai in a:
            den *= _fact(t - ai)
        for bi in b:
            den *= _fact(bi - t)
        total += Fraction((-1 if t % 2 else 1) * _fact(t + 1), den)
    if total == 0:
        return 0, Fraction(0)
    return (1 if total > 0 else -1), pref * total * total


def wigner_3j(j1: Any, j2: Any, j3: Any, m1: Any, m2: Any, m3: Any) -> float:
    r"""Wigner 3j symbol :math:`\begin{pmatrix} j_1 & j_2 & j_3\\ m_1 & m_2 & m_3\end{pmatrix}`.

    Parameters
    ----------
    j1, j2, j3 : int, Fraction, str or float
        Angular momenta, non-negative multiples of 1/2 (``"5/2"``, ``Fraction(5, 2)``, ``2.5``).
    m1, m2, m3 : int, Fraction, str or float
        Projections, multiples of 1/2.

    Returns
    -------
    float
        The symbol, exact up to one final rounding (<= 2 ulp). Zero when the selection rules
        fail (:math:`m_1 + m_2 + m_3 \neq 0`, :math:`|m_i| > j_i`, :math:`j_i - m_i` not an
        integer, or the triangle rule).

    Raises
    ------
    TypeError
        If an argument is not a real number or string (bools are rejected).
    ValueError
        If an argument is not a multiple of 1/2 or a string does not parse.

    Notes
    -----
    Racah's formula (DLMF 34.2.4) with the Condon-Shortley phase, evaluated with
    ``fractions.Fraction``; equals ``sympy.physics.wigner.wigner_3j`` (tests). The
    Clebsch-Gordan coefficient is :math:`\langle j_1 m_1 j_2 m_2|J M\rangle =
    (-1)^{j_1 - j_2 + M}\sqrt{2J+1}\,(j_1\ j_2\ J;\ m_1\ m_2\ {-M})`.

    References
    ----------
    .. [1] DLMF §34.2, Eq. 34.2.4 (Racah's formula), https://dlmf.nist.gov/34.2.
    .. [2] J. D. Briscoe et al., arXiv:2403.00950 (2024): the Rb transition strengths at 0.6 T
       rest on dipole matrix elements between hyperfine states (no equation number verified).

    Examples
    --------
    >>> from refimpl.optics import wigner_3j
    >>> round(wigner_3j("1/2", "1/2", 1, "1/2", "-1/2", 0), 12)   # 1/sqrt(6)
    0.408248290464
    >>> wigner_3j(1, 1, 1, 0, 0, 0)
    0.0
    """
    args = (j1, j2, j3, m1, m2, m3)
    names = ("j1", "j2", "j3", "m1", "m2", "m3")
    d = [_twice(v, n) for v, n in zip(args, names, strict=True)]
    for k in range(3):
        if d[k] < 0:
            msg = f"{names[k]} must be >= 0; got {args[k]!r}"
            raise ValueError(msg)
    return _signed_sqrt(*_w3j_exact(*d))


def wigner_6j(j1: Any, j2: Any, j3: Any, j4: Any, j5: Any, j6: Any) -> float:
    r"""Wigner 6j symbol :math:`\begin{Bmatrix} j_1 & j_2 & j_3\\ j_4 & j_5 & j_6\end{Bmatrix}`.

    Parameters
    ----------
    j1, j2, j3, j4, j5, j6 : int, Fraction, str or float
        Angular momenta, non-negative multiples of 1/2.

    Returns
    -------
    float
        The symbol (<= 2 ulp); zero unless the four triads (j1 j2 j3), (j1 j5 j6),
        (j4 j2 j6), (j4 j5 j3) satisfy the triangle rule with integer sums.

    Raises
    ------
    TypeError
        If an argument is not a real number or string.
    ValueError
        If an argument is negative or not a multiple of 1/2.

    Notes
    -----
    Racah's single-sum formula (DLMF 34.4.3), exact in ``fractions.Fraction``; equals
    ``sympy.physics.wigner.wigner_6j`` (tests). Relative hyperfine line strengths at zero
    field are :math:`S_{FF'} = (2F'+1)(2J+1)\{J\ J'\ 1;\ F'\ F\ I\}^2` (they sum to 1 over
    :math:`F'`).

    References
    ----------
    .. [1] DLMF §34.4, Eq. 34.4.3, https://dlmf.nist.gov/34.4.
    .. [2] D. A. Steck, "Rubidium 87 D Line Data", http://steck.us/alkalidata, §4
       (hyperfine transition strength factors in terms of 6j symbols).

    Examples
    --------
    >>> from refimpl.optics import wigner_6j
    >>> round(wigner_6j(1, 1, 1, 1, 1, 1), 12)      # 1/6
    0.166666666667
    """
    args = (j1, j2, j3, j4, j5, j6)
    names = ("j1", "j2", "j3", "j4", "j5", "j6")
    d = [_twice(v, n) for v, n in zip(args, names, strict=True)]
    for k in range(6):
        if d[k] < 0:
            msg = f"{names[k]} must be >= 0; got {args[k]!r}"
            raise ValueError(msg)
    return _signed_sqrt(*_w6j_exact(*d))
