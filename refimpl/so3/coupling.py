r"""Clebsch-Gordan (real 3j) and real Gaunt coupling coefficients, exact on the host.

Conventions (spec ``equivariance.md`` §1.1, §1.4, §1.5): real spherical harmonics
:math:`Y_{l,m}`, orthonormal on :math:`S^2`, z polar, ``m = -l..l`` (array index ``m + l``),
no Condon-Shortley sign. They are obtained from the complex harmonics :math:`Y_l^m` *with*
the Condon-Shortley phase by the unitary :math:`U^{(l)}`,

.. math::

    Y_{l,0} = Y_l^0, \quad
    Y_{l,m} = \tfrac{1}{\sqrt 2}\big[(-1)^m Y_l^m + Y_l^{-m}\big], \quad
    Y_{l,-m} = \tfrac{-i}{\sqrt 2}\big[(-1)^m Y_l^m - Y_l^{-m}\big] \quad (m > 0),

(i.e. :math:`Y_{l,m} = \sqrt2 (-1)^m \mathrm{Re}\,Y_l^m`, :math:`Y_{l,-m} = \sqrt2 (-1)^m
\mathrm{Im}\,Y_l^m`). Every coefficient is computed once per degree triple with integer
arithmetic (Racah's formula written with binomial coefficients), stored as a signed square
``Fraction``, and rounded to float64 by one correctly rounded division and one square root
(error <= 1 ulp per entry; Gaunt entries one more rounding for :math:`1/\sqrt{4\pi}`). The
tables are cached per triple, read-only, and copied to the caller's namespace, dtype and
device on use.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any

import array_api_compat as compat
import numpy as np

from refimpl import _xp

__all__ = ["clebsch_gordan", "gaunt_cg_ratio", "gaunt_coefficients"]

Array = Any

#: (m1, m2, m3, sign, num, den): one non-zero entry of a coupling tensor,
#: value sign * sqrt(num / den), exact
_Entry = tuple[int, int, int, int, int, int]

_DENSE_CACHE_SIZE = 1024  # dense float64 blocks (the exact sparse entries are cached unbounded)
_SQRT_4PI = math.sqrt(4.0 * math.pi)
# (-i)^n for n mod 4: e3nn's phase (-i)^l per index, multiplied over the three indices
_MINUS_I_POWER = (1 + 0j, -1j, -1 + 0j, 1j)


# --------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------
def _degrees(l1: Any, l2: Any, l3: Any) -> tuple[int, int, int]:
    return (
        _xp.nonnegative_int(l1, name="l1"),
        _xp.nonnegative_int(l2, name="l2"),
        _xp.nonnegative_int(l3, name="l3"),
    )


def _triangle(l1: int, l2: int, l3: int) -> bool:
    """True when ``|l1 - l2| <= l3 <= l1 + l2`` (symmetric in the three degrees)."""
    return abs(l1 - l2) <= l3 <= l1 + l2


# --------------------------------------------------------------------------------------
# exact arithmetic
# --------------------------------------------------------------------------------------
@functools.cache
def _factorials(n: int) -> tuple[int, ...]:
    """``(0!, 1!, ..., n!)`` as Python ints."""
    out = [1]
    for k in range(1, n + 1):
        out.append(out[-1] * k)
    return tuple(out)


class _Wigner3j:
    r"""Exact Wigner 3j symbols of one degree triple, as ``(sign, num, den)`` with value
    ``sign * sqrt(num / den)`` (``num``, ``den`` Python ints).

    Racah's formula with the sum rewritten over binomial coefficients (all integers):
    with :math:`A = j_1 + j_2 - j_3`, :math:`B = j_1 - j_2 + j_3`, :math:`C = -j_1 + j_2 + j_3`,

    .. math::
        T = \sum_k (-1)^k \binom{A}{k}\binom{B}{j_1 - m_1 - k}\binom{C}{j_2 + m_2 - k}, \quad
        \begin{pmatrix} j_1 & j_2 & j_3 \\ m_1 & m_2 & m_3 \end{pmatrix}^2
        = \frac{\prod_i (j_i + m_i)!\,(j_i - m_i)!}{(j_1 + j_2 + j_3 + 1)!\,A!\,B!\,C!}\,T^2,

    sign :math:`(-1)^{j_1 - j_2 - m_3}\,\mathrm{sign}(T)` (DLMF 34.2.4 with
    :math:`1/(k!(A-k)!) = \binom{A}{k}/A!` etc.). The binomial rows are built once per triple.
    """

    __slots__ = ("_a", "_b", "_c", "_den", "_fact", "_j", "_rows")

    def __init__(self, j1: int, j2: int, j3: int) -> None:
        self._j = (j1, j2, j3)
        self._a, self._b, self._c = j1 + j2 - j3, j1 - j2 + j3, -j1 + j2 + j3
        self._fact = _factorials(j1 + j2 + j3 + 1)
        f = self._fact
        self._den = f[j1 + j2 + j3 + 1] * f[self._a] * f[self._b] * f[self._c]
        self._rows = tuple(
            tuple(math.comb(n, k) for k in range(n + 1)) for n in (self._a, self._b, self._c)
        )

    def __call__(self, m1: int, m2: int, m3: int) -> tuple[int, int, int]:
        j1, j2, j3 = self._j
        if m1 + m2 + m3 != 0 or abs(m1) > j1 or abs(m2) > j2 or abs(m3) > j3:
            return 0, 0, 1
        row_a, row_b, row_c = self._rows
        t = 0
        for k in range(max(0, j2 - j3 - m1, j1 - j3 + m2), min(self._a, j1 - m1, j2 + m2) + 1):
            term = row_a[k] * row_b[j1 - m1 - k] * row_c[j2 + m2 - k]
            t += -term if k % 2 else term
        if t == 0:
            return 0, 0, 1
        f = self._fact
        num = t * t
        for j, m in ((j1, m1), (j2, m2), (j3, m3)):
            num *= f[j + m] * f[j - m]
        sign = (-1 if (j1 - j2 - m3) % 2 else 1) * (1 if t > 0 else -1)
        return sign, num, self._den


def _wigner_3j_square(j1: int, j2: int, j3: int, m1: int, m2: int, m3: int) -> tuple[int, Fraction]:
    """One Wigner 3j symbol as ``(sign, square)`` (exact ``Fraction``); ``(0, 0)`` if zero."""
    if not _triangle(j1, j2, j3):
        return 0, Fraction(0)
    sign, num, den = _Wigner3j(j1, j2, j3)(m1, m2, m3)
    return sign, Fraction(num, den)


@functools.cache
def _u(m: int, mc: int) -> complex:
    r"""Entry :math:`\sqrt2^{[m \ne 0]}\,U^{(l)}_{m, m_c}` of the real-from-complex unitary.

    Exact (a Gaussian integer of modulus 1); zero unless ``|mc| == |m|``.
    """
    if abs(mc) != abs(m):
        return 0j
    if m == 0:
        return 1 + 0j
    if m > 0:
        return (-1 + 0j) ** m if mc == m else 1 + 0j
    mu = -m
    return -1j * (-1) ** mu if mc == mu else 1j


def _signed(a: int) -> tuple[int, ...]:
    return (a, -a) if a else (0,)


@functools.cache
def _cg_entries(l1: int, l2: int, l3: int) -> tuple[_Entry, ...]:
    r"""Non-zero entries ``(m1, m2, m3, sign, num, den)`` of the unit-norm real coupling
    tensor, exact: value ``sign * sqrt(num / den)``.

    :math:`C_{m_1 m_2 m_3} = \mathrm{Re}\big[(-i)^{l_1+l_2+l_3} \sum_{\mu} U^{(l_1)}_{m_1\mu_1}
    U^{(l_2)}_{m_2\mu_2} U^{(l_3)}_{m_3\mu_3} \begin{pmatrix} l_1 & l_2 & l_3 \\ \mu_1 & \mu_2 &
    \mu_3\end{pmatrix}\big]` (the imaginary part is exactly zero). For a real entry only the
    pair :math:`\pm\mu` with :math:`|\mu_i| = |m_i|`, :math:`\sum\mu_i = 0` contributes, and
    the two 3j symbols of the pair differ by :math:`(-1)^{l_1+l_2+l_3}`: each entry is a
    Gaussian integer times :math:`2^{-k/2}` (k = number of non-zero ``m_i``) times one 3j
    symbol, so its square is rational. One 3j symbol per pattern ``(|m1|, |m2|, |m3|)``.
    """
    if not _triangle(l1, l2, l3):
        return ()
    w3j = _Wigner3j(l1, l2, l3)
    big_l = l1 + l2 + l3
    phase = _MINUS_I_POWER[big_l % 4]
    parity = -1 if big_l % 2 else 1
    entries: list[_Entry] = []
    for a1 in range(l1 + 1):
        for a2 in range(l2 + 1):
            for a3 in sorted({a1 + a2, abs(a1 - a2)}):
                if a3 > l3:
                    continue
                # representative mu = (a1, +-a2, -(a1 +- a2)) with |mu3| = a3, and its negative
                mu2 = a2 if (a1 == 0 or a3 == a1 + a2) else -a2
                mu = (a1, mu2, -(a1 + mu2))
                sign, num, den = w3j(*mu)
                if sign == 0:
                    continue
                k = (a1 != 0) + (a2 != 0) + (a3 != 0)
                den_k = den << k
                # per index: real orders m = +-a and the U entries against mu and -mu
                rows = [
                    [(m, _u(m, r), parity * _u(m, -r) if any(mu) else 0j) for m in _signed(a)]
                    for a, r in ((a1, mu[0]), (a2, mu[1]), (a3, mu[2]))
                ]
                for m1, p1, q1 in rows[0]:
                    for m2, p2, q2 in rows[1]:
                        for m3, p3, q3 in rows[2]:
                            z = (p1 * p2 * p3 + q1 * q2 * q3) * sign * phase
                            if z.imag != 0:  # pragma: no cover - broken invariant, not input
                                msg = f"internal error: complex coupling entry in {(l1, l2, l3)}"
                                raise ArithmeticError(msg)
                            zr = round(z.real)
                            if zr:
                                s = 1 if zr > 0 else -1
                                entries.append((m1, m2, m3, s, num * zr * zr, den_k))
    return tuple(entries)


def _gaunt_scale_square(l1: int, l2: int, l3: int) -> tuple[int, int]:
    r"""``(num, den)`` of :math:`4\pi c^2`, :math:`c = \sqrt{(2l_1+1)(2l_2+1)(2l_3+1)/4\pi}\,
    |(l_1\,l_2\,l_3;0\,0\,0)|`; ``(0, 1)`` without coupling (odd sum or no triangle)."""
    if not _triangle(l1, l2, l3) or (l1 + l2 + l3) % 2:
        return 0, 1
    _, num, den = _Wigner3j(l1, l2, l3)(0, 0, 0)
    return num * (2 * l1 + 1) * (2 * l2 + 1) * (2 * l3 + 1), den


def _sqrt(num: int, den: int) -> float:
    """sqrt(num / den) for non-negative ints: one correctly rounded division, one sqrt."""
    return math.sqrt(num / den)


@functools.cache
def _cg_sparse(l1: int, l2: int, l3: int) -> tuple[np.ndarray, np.ndarray]:
    """``(index, value)``: the non-zero entries as an (nnz, 3) int64 array of array indices
    ``(m1 + l1, m2 + l2, m3 + l3)`` and float64 values; read-only."""
    entries = _cg_entries(l1, l2, l3)
    idx = np.array([(e[0] + l1, e[1] + l2, e[2] + l3) for e in entries], dtype=np.int64)
    val = np.array([e[3] * _sqrt(e[4], e[5]) for e in entries], dtype=np.float64)
    idx = idx.reshape(len(entries), 3)
    idx.flags.writeable = False
    val.flags.writeable = False
    return idx, val


@functools.lru_cache(maxsize=_DENSE_CACHE_SIZE)
def _cg_table(l1: int, l2: int, l3: int) -> np.ndarray:
    """Dense float64 unit-norm real coupling tensor (2l1+1, 2l2+1, 2l3+1); read-only."""
    out = np.zeros((2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1))
    idx, val = _cg_sparse(l1, l2, l3)
    out[idx[:, 0], idx[:, 1], idx[:, 2]] = val
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=_DENSE_CACHE_SIZE)
def _gaunt_table(l1: int, l2: int, l3: int) -> np.ndarray:
    """Dense float64 real Gaunt block (2l1+1, 2l2+1, 2l3+1); zeros without coupling."""
    out = np.zeros((2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1))
    s_num, s_den = _gaunt_scale_square(l1, l2, l3)
    if s_num:
        for m1, m2, m3, s, num, den in _cg_entries(l1, l2, l3):
            out[m1 + l1, m2 + l2, m3 + l3] = s * _sqrt(num * s_num, den * s_den) / _SQRT_4PI
    out.flags.writeable = False
    return out


def _to_namespace(table: np.ndarray, xp: Any, dtype: Any, device: Any) -> Array:
    """Copy a host table to ``xp``/``dtype``/``device``; ``dtype`` must be real floating."""
    xp = _xp.creation_namespace(xp)
    if dtype is None:
        dtype = _xp.default_float(xp, device)
    out = xp.asarray(table, dtype=dtype, device=device, copy=True)
    if not compat.array_namespace(out).isdtype(out.dtype, "real floating"):
        msg = f"dtype must be a real floating dtype; got {dtype}"
        raise TypeError(msg)
    return out


# --------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------
def clebsch_gordan(
    l1: int,
    l2: int,
    l3: int,
    *,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> Array:
    r"""Real-basis Clebsch-Gordan coupling tensor (the real Wigner 3j tensor), unit norm.

    Parameters
    ----------
    l1, l2, l3 : int
        Degrees, ``>= 0``, satisfying the triangle rule ``|l1 - l2| <= l3 <= l1 + l2``.
    xp : namespace, optional
        Array namespace of the result (default NumPy).
    dtype : dtype, optional
        Real floating dtype (default: the namespace's default float on ``device``).
    device : device, optional
        Device of the result.

    Returns
    -------
    array, shape (2*l1 + 1, 2*l2 + 1, 2*l3 + 1)
        :math:`C_{m_1 m_2 m_3}` at index ``[m1 + l1, m2 + l2, m3 + l3]``, in ``xp`` with
        ``dtype`` on ``device`` (a fresh copy of the cached float64 table).

    Raises
    ------
    TypeError
        If a degree is not an int (bools and floats are rejected) or ``dtype`` is not a
        real floating dtype.
    ValueError
        If a degree is negative or the triple violates the triangle rule (no non-zero
        invariant tensor exists).

    Notes
    -----
    **Definition.** :math:`C` spans the one-dimensional space of tensors invariant under
    :math:`D^{l_1}(R)\otimes D^{l_2}(R)\otimes D^{l_3}(R)` for all rotations (``D`` the real
    Wigner matrices of :mod:`refimpl.so3.wigner`), normalised to :math:`\|C\|_F = 1` (e3nn's
    ``wigner_3j`` normalisation). Equivalently :math:`z_{m_3} = \sum C_{m_1m_2m_3} x_{m_1}
    y_{m_2}` maps degree-``l1`` and degree-``l2`` coefficients equivariantly to degree
    ``l3``. The isometric normalisation :math:`\sqrt{2l_3+1}\,C` (for which
    :math:`\sum_{m_1 m_2} C_{m_1 m_2 m_3} C_{m_1 m_2 m_3'} = \delta_{m_3 m_3'}`) is a
    different convention, not used here.

    **Sign convention.** With :math:`U^{(l)}` the unitary of this module's docstring
    (real harmonics from complex Condon-Shortley ones),

    .. math:: C = \mathrm{Re}\Big[(-i)^{l_1+l_2+l_3}\,\big(U^{(l_1)}\otimes U^{(l_2)}\otimes
        U^{(l_3)}\big) \begin{pmatrix} l_1 & l_2 & l_3 \\ \cdot & \cdot & \cdot\end{pmatrix}
        \Big]

    (the bracket is real). For even :math:`l_1+l_2+l_3` this makes :math:`C` a **positive**
    multiple of the real Gaunt block, :math:`G = c\,C` with ``c = gaunt_cg_ratio(l1, l2, l3)
    > 0``. For odd :math:`l_1+l_2+l_3` (no Gaunt counterpart, e.g. the cross product
    ``(1, 1, 1)``, :math:`C_{-1,0,1} = +1/\sqrt6`: index order (y, z, x), so
    :math:`\sum C_{m_1 m_2 m_3} a_{m_1} b_{m_2} = (a \times b)_{m_3}/\sqrt6`) the same formula
    fixes the sign. Both agree entrywise with ``e3nn.o3.wigner_3j`` (e3nn 0.6.0) for every
    triple with degrees ``<= 5`` (tested); by the basis independence of invariant tensors
    (spec §1.4) no basis conversion is involved.

    **Symmetries.** Permuting the three (degree, index) pairs multiplies :math:`C` by
    :math:`(-1)^{l_1+l_2+l_3}` for odd permutations (by 1 for cyclic ones).

    **Accuracy.** Each entry is :math:`\pm\sqrt{q}` with ``q`` an exact rational (integer
    Racah sum), rounded once: error <= 1 ulp of float64. Computed once per triple and
    cached (the exact entries without bound, the dense float64 block in a 1024-entry LRU).

    References
    ----------
    .. [1] Y.-L. Luo, C. Chen, A. S. Krishnapriyan, "Enabling Efficient Equivariant
       Operations in the Fourier Basis via Gaunt Tensor Products", ICLR 2024,
       arXiv:2401.10216 (Clebsch-Gordan coefficients and their relation to Gaunt
       coefficients; equation numbers not verified).
    .. [2] refimpl spec ``equivariance.md`` §1.4 (conventions, oracles) and §1.1.
    .. [3] NIST DLMF §34.2 (3j symbols, Racah's formula, Eq. 34.2.4).
    .. [4] M. Geiger, T. Smidt et al., e3nn, ``e3nn.o3.wigner_3j`` (the normalisation and
       sign reproduced here).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.so3.coupling import clebsch_gordan
    >>> c = clebsch_gordan(1, 1, 0)                     # the dot product, (y, z, x) order
    >>> np.round(c[:, :, 0] * np.sqrt(3), 12).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    >>> round(float(np.sum(clebsch_gordan(2, 3, 4) ** 2)), 12)
    1.0
    """
    l1, l2, l3 = _degrees(l1, l2, l3)
    if not _triangle(l1, l2, l3):
        msg = (
            f"(l1, l2, l3) must satisfy the triangle rule |l1 - l2| <= l3 <= l1 + l2; "
            f"got {(l1, l2, l3)}"
        )
        raise ValueError(msg)
    return _to_namespace(_cg_table(l1, l2, l3), xp, dtype, device)


def gaunt_coefficients(
    l1: int,
    l2: int,
    l3: int,
    *,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> Array:
    r"""Real Gaunt block :math:`G_{m_1 m_2 m_3} = \int_{S^2} Y_{l_1 m_1} Y_{l_2 m_2}
    Y_{l_3 m_3}\,d\Omega`.

    Parameters
    ----------
    l1, l2, l3 : int
        Degrees, ``>= 0`` (any triple; the block is zero without coupling).
    xp : namespace, optional
        Array namespace of the result (default NumPy).
    dtype : dtype, optional
        Real floating dtype (default: the namespace's default float on ``device``).
    device : device, optional
        Device of the result.

    Returns
    -------
    array, shape (2*l1 + 1, 2*l2 + 1, 2*l3 + 1)
        :math:`G` at index ``[m1 + l1, m2 + l2, m3 + l3]`` (refimpl's real harmonics,
        ``"integral"`` normalisation), in ``xp`` with ``dtype`` on ``device``.

    Raises
    ------
    TypeError
        If a degree is not an int or ``dtype`` is not a real floating dtype.
    ValueError
        If a degree is negative.

    Notes
    -----
    **Selection rules.** :math:`G \ne 0` only if :math:`l_1 + l_2 + l_3` is even and
    :math:`|l_1 - l_2| \le l_3 \le l_1 + l_2`; within a block only entries with
    :math:`|m_3| \in \{|m_1| + |m_2|,\ ||m_1| - |m_2||\}` and an even number of negative
    orders (sine factors) are non-zero. Symmetric under any permutation of the three
    (degree, index) pairs.

    **Relation to Clebsch-Gordan** (spec §1.5): :math:`G = c(l_1,l_2,l_3)\,C` with ``C =
    clebsch_gordan(l1, l2, l3)`` and

    .. math:: c = \|G\|_F = \sqrt{\frac{(2l_1+1)(2l_2+1)(2l_3+1)}{4\pi}}
        \left|\begin{pmatrix} l_1 & l_2 & l_3 \\ 0 & 0 & 0 \end{pmatrix}\right|

    (:func:`gaunt_cg_ratio`), which follows from the complex Gaunt formula
    :math:`\int Y_{l_1}^{\mu_1} Y_{l_2}^{\mu_2} Y_{l_3}^{\mu_3} = \sqrt{\prod(2l_i+1)/4\pi}\,
    (l_1 l_2 l_3; 0 0 0)(l_1 l_2 l_3; \mu_1 \mu_2 \mu_3)`.

    **Accuracy.** Entries are :math:`\pm\sqrt{q}/\sqrt{4\pi}` with ``q`` an exact rational:
    within about 2 ulp of float64. Cached per triple (dense block: 1024-entry LRU).

    SymPy's ``real_gaunt`` uses real harmonics differing from refimpl's by :math:`(-1)^m`
    for :math:`m \ne 0`; this never changes a non-zero entry (:math:`\sum m_i` is even there).

    References
    ----------
    .. [1] Y.-L. Luo, C. Chen, A. S. Krishnapriyan, "Enabling Efficient Equivariant
       Operations in the Fourier Basis via Gaunt Tensor Products", ICLR 2024,
       arXiv:2401.10216 (real Gaunt coefficients, the Gaunt tensor product; equation
       numbers not verified).
    .. [2] refimpl spec ``equivariance.md`` §1.5.
    .. [3] NIST DLMF §34.3(vii), Eq. 34.3.22 (integral of three spherical harmonics).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.so3.coupling import gaunt_coefficients
    >>> g = gaunt_coefficients(1, 1, 2)
    >>> bool(np.isclose(g[2, 2, 4], np.sqrt(15) / (10 * np.sqrt(np.pi))))   # (1, 1, 2; 1, 1, 2)
    True
    >>> bool(np.all(gaunt_coefficients(1, 1, 1) == 0))                      # odd: no coupling
    True
    """
    l1, l2, l3 = _degrees(l1, l2, l3)
    return _to_namespace(_gaunt_table(l1, l2, l3), xp, dtype, device)


def gaunt_cg_ratio(l1: int, l2: int, l3: int) -> float:
    r"""The constant :math:`c(l_1, l_2, l_3)` with ``gaunt_coefficients = c * clebsch_gordan``.

    Parameters
    ----------
    l1, l2, l3 : int
        Degrees, ``>= 0``.

    Returns
    -------
    float
        :math:`c = \sqrt{(2l_1+1)(2l_2+1)(2l_3+1)/4\pi}\,|(l_1\,l_2\,l_3; 0\,0\,0)| \ge 0`,
        the Frobenius norm of the real Gaunt block; ``0.0`` for odd :math:`l_1+l_2+l_3` or a
        triple violating the triangle rule.

    Raises
    ------
    TypeError
        If a degree is not an int.
    ValueError
        If a degree is negative.

    Notes
    -----
    A Gaunt tensor product equals the Clebsch-Gordan tensor product with path weights
    :math:`c(l_1,l_2,l_3)` on even paths and 0 on odd ones (spec §1.5, §1.6). Values of
    :math:`\sqrt{4\pi}\,c`: (0,0,0) 1; (0,1,1) :math:`\sqrt3`; (1,1,2) :math:`\sqrt6`;
    (1,2,3) 3; (2,2,2) 2.672612. They equal the official constants ``const_wigner2gaunt``
    indexed ``[l_out, l1, l2]`` (e.g. ``[2, 1, 1] = 0.6909883``). Exact rational
    :math:`4\pi c^2`, one square root and one division: within 2 ulp of float64.

    References
    ----------
    .. [1] Y.-L. Luo, C. Chen, A. S. Krishnapriyan, arXiv:2401.10216 (official repository
       ``lsj2408/Gaunt-Tensor-Product``, ``efficiency-comparison/constants/
       const_wigner2gaunt.pt``; equation numbers not verified).
    .. [2] refimpl spec ``equivariance.md`` §1.5.

    Examples
    --------
    >>> from refimpl.so3.coupling import gaunt_cg_ratio
    >>> round(gaunt_cg_ratio(1, 1, 2), 7)
    0.6909883
    >>> gaunt_cg_ratio(1, 1, 1)
    0.0
    """
    l1, l2, l3 = _degrees(l1, l2, l3)
    return _gaunt_cg_ratio(l1, l2, l3)


@functools.cache
def _gaunt_cg_ratio(l1: int, l2: int, l3: int) -> float:
    num, den = _gaunt_scale_square(l1, l2, l3)
    return _sqrt(num, den) / _SQRT_4PI if num else 0.0
