r"""Informationally complete single-qubit POVMs, their dual frames and N-qubit probabilities.

A POVM :math:`\{M_a\}_{a=1}^{4}` on one qubit with :math:`M_a \succeq 0` and
:math:`\sum_a M_a = I` is informationally complete (IC) when the overlap matrix
:math:`T_{ab} = \mathrm{Tr}(M_a M_b)` is invertible. The dual frame
:math:`N_a = \sum_b (T^{-1})_{ab} M_b` satisfies :math:`\mathrm{Tr}(M_a N_b) = \delta_{ab}` and

.. math::

    P(a) = \mathrm{Tr}(\rho M_a), \qquad \rho = \sum_a P(a) N_a, \qquad
    \langle O \rangle = \sum_a P(a) \mathrm{Tr}(O N_a).

For N qubits the frame is the tensor product, :math:`M_{a_1 \dots a_N} = M_{a_1} \otimes \dots
\otimes M_{a_N}`, and a probability vector has shape ``(4**N,)`` with site 0 the most
significant index (the order of ``numpy.kron`` and ``qutip.tensor``): flat index
``a_0 4^{N-1} + ... + a_{N-1}``, outcomes 0..3.

Frames (spec ``scientific.md`` §5.1): ``"tetra"``, the symmetric IC (SIC) tetrahedral POVM
:math:`M_a = (I + s_a\cdot\sigma)/4` with :math:`s_1 = (0,0,1)`; ``"tetra_pos"``, the
tetrahedron with vertices :math:`(\pm1,\pm1,\pm1)/\sqrt3` of positive product; ``"pauli4"``
(the official code's default ``4Pauli``): :math:`M_{1,2,3} = \tfrac13|\psi\rangle\langle\psi|`
for :math:`|0\rangle, |+\rangle, |r\rangle = (|0\rangle + i|1\rangle)/\sqrt2` and
:math:`M_4 = I - \sum_{a \le 3} M_a`. The state :math:`|0\rangle` has :math:`\sigma^z = +1`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np

from refimpl import _xp

__all__ = [
    "POVM",
    "density_from_probabilities",
    "expectation",
    "frame_coefficients",
    "local_expectations",
    "povm",
    "povm_from_elements",
    "probabilities",
    "sample_local_expectations",
]

Array = Any

_NAMES = ("tetra", "tetra_pos", "pauli4")
_PAULI = {
    "x": np.array([[0, 1], [1, 0]], dtype=np.complex128),
    "y": np.array([[0, -1j], [1j, 0]], dtype=np.complex128),
    "z": np.array([[1, 0], [0, -1]], dtype=np.complex128),
}


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class POVM:
    """A single-qubit informationally complete POVM and its dual frame.

    Attributes
    ----------
    name : str
        ``"tetra"``, ``"tetra_pos"``, ``"pauli4"`` or ``"custom"``.
    M : array, shape (4, 2, 2), complex
        The POVM elements :math:`M_a` (Hermitian, positive semidefinite, summing to I).
    N : array, shape (4, 2, 2), complex
        The dual frame :math:`N_a = \\sum_b (T^{-1})_{ab} M_b`.
    T : array, shape (4, 4), real
        The overlap matrix :math:`T_{ab} = \\mathrm{Tr}(M_a M_b)`.
    T_inv : array, shape (4, 4), real
        Its inverse.

    Notes
    -----
    Build one with :func:`povm` or :func:`povm_from_elements`; all four arrays share one
    namespace and device, real dtype ``T.dtype`` and the matching complex dtype.
    """

    name: str
    M: Array
    N: Array
    T: Array
    T_inv: Array


def _bloch_elements(vectors: np.ndarray) -> np.ndarray:
    eye = np.eye(2, dtype=np.complex128)
    return np.stack(
        [0.25 * (eye + sum(v[k] * _PAULI[c] for k, c in enumerate("xyz"))) for v in vectors]
    )


@functools.cache
def _elements_f64(name: str) -> np.ndarray:
    if name == "tetra":
        r2 = math.sqrt(2.0)
        s = np.array(
            [
                [0.0, 0.0, 1.0],
                [2.0 * r2 / 3.0, 0.0, -1.0 / 3.0],
                [-r2 / 3.0, math.sqrt(2.0 / 3.0), -1.0 / 3.0],
                [-r2 / 3.0, -math.sqrt(2.0 / 3.0), -1.0 / 3.0],
            ]
        )
        m = _bloch_elements(s)
    elif name == "tetra_pos":
        s = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]) / math.sqrt(3.0)
        m = _bloch_elements(s)
    else:  # pauli4
        kets = [
            np.array([1.0, 0.0], dtype=np.complex128),
            np.array([1.0, 1.0], dtype=np.complex128) / math.sqrt(2.0),
            np.array([1.0, 1.0j], dtype=np.complex128) / math.sqrt(2.0),
        ]
        first = [np.outer(k, k.conj()) / 3.0 for k in kets]
        m = np.stack([*first, np.eye(2, dtype=np.complex128) - sum(first)])
    m.flags.writeable = False
    return m


def _frame_tables(m: np.ndarray, name: str) -> tuple[np.ndarray, ...]:
    """Validate host elements (4, 2, 2) and return (M, N, T, T_inv) in float64/complex128."""
    if m.shape != (4, 2, 2):
        msg = f"{name} must have shape (4, 2, 2) (four 2 x 2 POVM elements); got {m.shape}"
        raise ValueError(msg)
    if not np.all(np.isfinite(m)):
        msg = f"{name} must be finite; got NaN or infinity"
        raise ValueError(msg)
    scale = 1e3 * np.finfo(np.float64).eps  # float64 host check, elements of size <= 1
    herm = np.max(np.abs(m - np.conj(np.swapaxes(m, -1, -2))))
    if herm > scale:
        msg = f"{name} must hold Hermitian matrices; got max |M - M^H| = {herm:.3g}"
        raise ValueError(msg)
    mh = 0.5 * (m + np.conj(np.swapaxes(m, -1, -2)))
    low = float(np.min(np.linalg.eigvalsh(mh)))
    if low < -scale:
        msg = f"{name} must be positive semidefinite; got smallest eigenvalue {low:.3g}"
        raise ValueError(msg)
    dev = float(np.max(np.abs(mh.sum(axis=0) - np.eye(2))))
    if dev > scale:
        msg = f"{name} must sum to the identity; got max |sum M - I| = {dev:.3g}"
        raise ValueError(msg)
    t = np.real(np.einsum("aij,bji->ab", mh, mh))
    cond = np.linalg.cond(t)
    if not np.isfinite(cond) or cond > 1e12:
        msg = (
            f"{name} must be informationally complete (invertible overlap matrix T); "
            f"got condition number {cond:.3g}"
        )
        raise ValueError(msg)
    t_inv = np.linalg.inv(t)
    n = np.einsum("ab,bij->aij", t_inv, mh)
    return mh, n, t, t_inv


@functools.cache
def _named_tables(name: str) -> tuple[np.ndarray, ...]:
    tables = _frame_tables(_elements_f64(name), "M")
    for a in tables:
        a.flags.writeable = False
    return tables


def _povm_on(tables: tuple[np.ndarray, ...], name: str, xp: Any, dtype: Any, dev: Any) -> POVM:
    cdtype = _xp.complex_dtype(xp, dtype)
    m, n, t, t_inv = tables
    return POVM(
        name=name,
        M=_xp.from_host(m, xp=xp, dtype=cdtype, device=dev),
        N=_xp.from_host(n, xp=xp, dtype=cdtype, device=dev),
        T=_xp.from_host(t, xp=xp, dtype=dtype, device=dev),
        T_inv=_xp.from_host(t_inv, xp=xp, dtype=dtype, device=dev),
    )


def _real_dtype(xp: Any, dtype: Any, dev: Any) -> Any:
    if dtype is None:
        return _xp.default_float(xp, dev)
    if not xp.isdtype(dtype, "real floating"):
        msg = f"dtype must be a real floating dtype (float32 or float64); got {dtype}"
        raise TypeError(msg)
    return dtype


def povm(name: str = "tetra", *, xp: Any = None, dtype: Any = None, device: Any = None) -> POVM:
    r"""A named single-qubit IC-POVM with its overlap matrix and dual frame.

    Parameters
    ----------
    name : {"tetra", "tetra_pos", "pauli4"}
        The frame (module docstring). ``"pauli4"`` is the official code's default.
    xp : namespace, optional
        Array namespace of the result (default NumPy).
    dtype : real floating dtype, optional
        Real dtype of ``T``/``T_inv``; ``M``/``N`` get the matching complex dtype. Default:
        the namespace's default float on ``device``.
    device : optional
        Device of the arrays.

    Returns
    -------
    POVM
        Frame with ``M``, ``N`` of shape (4, 2, 2) and ``T``, ``T_inv`` of shape (4, 4).

    Raises
    ------
    ValueError
        If ``name`` is unknown.
    TypeError
        If ``dtype`` is not a real floating dtype.

    Notes
    -----
    Tetrahedral: :math:`T = (2I + J)/12`, :math:`T^{-1} = 6I - J`,
    :math:`N_a = (I + 3 s_a\cdot\sigma)/2`. Pauli-4: :math:`T^{-1}` has rows
    (14, -4, -4, -1), (-4, 14, -4, -1), (-4, -4, 14, -1), (-1, -1, -1, 2). The tables are
    computed once in float64 on the host and copied to the requested namespace.

    References
    ----------
    .. [1] D. Luo, Z. Chen, J. Carrasquilla, B. K. Clark, "Autoregressive Neural Network for
       Simulating Open Quantum Systems via a Probabilistic Formulation", PRL 128, 090501
       (2022), arXiv:2009.05580, the POVM formulation: probabilities and the dual frame
       (spec §5.1.1-2; equation numbers not checked against the PDF).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import povm
    >>> f = povm("tetra")
    >>> np.round(f.T_inv, 12).tolist()[0]
    [5.0, -1.0, -1.0, -1.0]
    >>> bool(np.allclose(f.M.sum(axis=0), np.eye(2)))
    True
    """
    _xp.check_choice(name, _NAMES, name="name")
    xp = _xp.creation_namespace(xp)
    dtype = _real_dtype(xp, dtype, device)
    return _povm_on(_named_tables(name), name, xp, dtype, device)


def povm_from_elements(elements: Array, /) -> POVM:
    r"""A POVM from user elements, validated and completed with its dual frame.

    Parameters
    ----------
    elements : array, shape (4, 2, 2), complex or real
        The POVM elements :math:`M_a`.

    Returns
    -------
    POVM
        ``name="custom"``; arrays in the input's namespace and device, complex dtype matching
        the input's precision (real inputs give the matching complex dtype).

    Raises
    ------
    TypeError
        If ``elements`` is not a floating (real or complex) array.
    ValueError
        If the shape is not (4, 2, 2), or the elements are not Hermitian, not positive
        semidefinite, do not sum to the identity, or are not informationally complete
        (singular overlap matrix; the official code silently uses a pseudo-inverse, spec
        §5.6.2). Checks run on the host in float64 with tolerance ``1e3 * eps(float64)``.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, POVM probabilities and dual frame (spec §5.1.1).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import povm, povm_from_elements
    >>> f = povm_from_elements(povm("pauli4").M)
    >>> np.round(f.T_inv, 10)[3].tolist()
    [-1.0, -1.0, -1.0, 2.0]
    """
    xp, (m,) = _xp.as_arrays(elements)
    if not (xp.isdtype(m.dtype, "real floating") or xp.isdtype(m.dtype, "complex floating")):
        msg = f"elements must be a floating (real or complex) array; got dtype {m.dtype}"
        raise TypeError(msg)
    if xp.isdtype(m.dtype, "complex floating"):
        rdtype = xp.float32 if m.dtype == xp.complex64 else xp.float64
    else:
        rdtype = m.dtype
    tables = _frame_tables(np.asarray(_xp.to_host(m), dtype=np.complex128), "elements")
    return _povm_on(tables, "custom", xp, rdtype, _xp.device(m))


# ------------------------------------------------------------------------- N-qubit maps
def _check_povm(frame: Any) -> POVM:
    if not isinstance(frame, POVM):
        msg = f"povm must be a refimpl.quantum.POVM (see povm()); got {type(frame).__name__}"
        raise TypeError(msg)
    return frame


def _n_qubits(dim: int, name: str, what: str) -> int:
    n = dim.bit_length() - 1
    if dim < 2 or (1 << n) != dim:
        msg = f"{name} must have {what} a power of 2 (>= 2); got {dim}"
        raise ValueError(msg)
    return n


def _n_sites_of_vector(length: int, name: str) -> int:
    n = (length.bit_length() - 1) // 2
    if length < 4 or 4**n != length:
        msg = f"{name} must have length 4**N (N >= 1 qubits); got length {length}"
        raise ValueError(msg)
    return n


def _square_operator(op: Array, xp: Any, name: str) -> tuple[Array, int]:
    """Real (integers promoted) or complex, 2-D, non-empty, finite, square, side 2**N."""
    if xp.isdtype(op.dtype, "complex floating"):
        if op.ndim < 2:
            msg = f"{name} must have at least 2 dimensions; got shape {tuple(op.shape)}"
            raise ValueError(msg)
        _xp.check_nonempty(op, name=name)
        _xp.check_finite(op, name=name, xp=xp)
    else:
        op = _xp.checked_real(op, name=name, xp=xp, min_ndim=2)
    if op.ndim != 2 or op.shape[0] != op.shape[1]:
        msg = f"{name} must be a square 2-D matrix (2**N, 2**N); got shape {tuple(op.shape)}"
        raise ValueError(msg)
    n = _n_qubits(int(op.shape[0]), name, "side")
    return op, n


def _common(op: Array, frame: POVM, xp: Any) -> tuple[Array, Array, Array]:
    """Cast op and the frame to one complex dtype (op's precision)."""
    cdt = op.dtype
    if xp.isdtype(cdt, "real floating"):
        cdt = _xp.complex_dtype(xp, cdt)
    m = xp.asarray(frame.M, dtype=cdt, device=_xp.device(op))
    n = xp.asarray(frame.N, dtype=cdt, device=_xp.device(op))
    return xp.astype(op, cdt), m, n


def _contract_sites(op: Array, elements: Array, n: int, xp: Any) -> Array:
    """c[a_1..a_n] = Tr(op E_{a_1} x ... x E_{a_n}) = sum op_{ij} prod_k (E_{a_k})_{j_k i_k}."""
    r = xp.reshape(op, (2,) * (2 * n))
    et = xp.permute_dims(elements, (0, 2, 1))  # et[a, i, j] = E_a[j, i]
    for k in range(n):
        # axes: (a_0..a_{k-1}, i_k..i_{n-1}, j_k..j_{n-1}); contract i_k (axis k), j_k
        m = n - k
        r = xp.tensordot(r, et, axes=([k, k + m], [1, 2]))
        order = (*range(k), r.ndim - 1, *range(k, r.ndim - 1))
        r = xp.permute_dims(r, order)
    return xp.reshape(r, (4**n,))


def frame_coefficients(op: Array, povm: POVM, /, *, dual: bool = False) -> Array:
    r"""The coefficients :math:`\mathrm{Tr}(O E_{\mathbf a})` of an N-qubit operator.

    With ``dual=False`` (:math:`E = M`) and :math:`O = \rho` these are the POVM probabilities;
    with ``dual=True`` (:math:`E = N`) and an observable :math:`O` they give
    :math:`\langle O\rangle = \sum_{\mathbf a} P(\mathbf a)\,\mathrm{Tr}(O N_{\mathbf a})`.

    Parameters
    ----------
    op : array, shape (2**N, 2**N), real or complex
        The operator, in ``qutip.tensor`` site order.
    povm : POVM
        The single-qubit frame (tensor product over sites).
    dual : bool
        Use the dual frame ``N`` instead of ``M``.

    Returns
    -------
    array, shape (4**N,), complex
        Complex dtype of ``op``'s precision; same namespace and device.

    Raises
    ------
    TypeError
        If ``op`` is not floating or ``povm`` is not a POVM.
    ValueError
        If ``op`` is not square with a power-of-2 side, or not finite.

    Notes
    -----
    Contracts one site at a time (cost :math:`O(N 4^N \cdot 4)` after the first site), never
    forming the :math:`4^N \times 4^N` frame matrix.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, POVM probabilities and dual frame (spec §5.1.1).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import frame_coefficients, povm
    >>> z = np.diag([1.0, -1.0])
    >>> np.round(frame_coefficients(z, povm("tetra"), dual=True).real, 12).tolist()
    [3.0, -1.0, -1.0, -1.0]
    """
    frame = _check_povm(povm)
    xp, (o,) = _xp.as_arrays(op)
    o, n = _square_operator(o, xp, "op")
    o, m, nd = _common(o, frame, xp)
    return _contract_sites(o, nd if dual else m, n, xp)


def _check_density(rho: Array, xp: Any) -> tuple[Array, int]:
    r, n = _square_operator(rho, xp, "rho")
    if _xp.is_eager(r):
        scale = float(xp.max(xp.abs(r)))
        tol = 1e2 * _xp.eps(xp, r.dtype) * max(scale, 1.0) * r.shape[0]
        herm = float(xp.max(xp.abs(r - xp.conj(xp.linalg.matrix_transpose(r)))))
        if herm > tol:
            msg = f"rho must be Hermitian; got max |rho - rho^H| = {herm:.3g}"
            raise ValueError(msg)
    return r, n


def probabilities(rho: Array, povm: POVM, /) -> Array:
    r"""POVM probabilities :math:`P(\mathbf a) = \mathrm{Tr}(\rho M_{\mathbf a})` of N qubits.

    Parameters
    ----------
    rho : array, shape (2**N, 2**N), real or complex
        A Hermitian density matrix (``qutip.tensor`` site order).
    povm : POVM
        The single-qubit frame.

    Returns
    -------
    array, shape (4**N,), real
        Real dtype of ``rho``'s precision (site 0 most significant); input's namespace and
        device. Non-negative and summing to ``Tr rho`` for a positive semidefinite ``rho``.

    Raises
    ------
    TypeError
        If ``rho`` is not floating or ``povm`` is not a POVM.
    ValueError
        If ``rho`` is not square with a power-of-2 side, not finite or not Hermitian (tolerance
        ``1e2 eps max(|rho|, 1) 2**N``).

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, POVM probabilities (spec §5.1.1).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import povm, probabilities
    >>> rho = np.diag([1.0, 0.0])  # |0><0|, sigma_z = +1
    >>> np.round(probabilities(rho, povm("tetra")), 12).tolist()
    [0.5, 0.166666666667, 0.166666666667, 0.166666666667]
    """
    frame = _check_povm(povm)
    xp, (r,) = _xp.as_arrays(rho)
    r, n = _check_density(r, xp)
    r, m, _ = _common(r, frame, xp)
    return xp.real(_contract_sites(r, m, n, xp))


def _check_probability_vector(p: Array, xp: Any, *, name: str = "p") -> tuple[Array, int]:
    p = _xp.checked_real(p, name=name, xp=xp)
    if p.ndim != 1:
        msg = f"{name} must be 1-D of length 4**N; got shape {tuple(p.shape)}"
        raise ValueError(msg)
    n = _n_sites_of_vector(int(p.shape[0]), name)
    return p, n


def _check_normalised(p: Array, xp: Any, name: str = "p") -> None:
    """Probability vectors: non-negative, summing to 1 (eager arrays only)."""
    if not _xp.is_eager(p):
        return
    tol = 1e2 * _xp.eps(xp, p.dtype) * math.sqrt(p.shape[0])
    low = float(xp.min(p))
    if low < -tol:
        msg = f"{name} must be non-negative; got minimum entry {low:.3g}"
        raise ValueError(msg)
    total = float(xp.sum(p))
    if abs(total - 1.0) > tol:
        msg = f"{name} must sum to 1 (a normalised probability vector); got sum {total:.17g}"
        raise ValueError(msg)


def density_from_probabilities(p: Array, povm: POVM, /) -> Array:
    r"""Reconstruct :math:`\rho = \sum_{\mathbf a} P(\mathbf a) N_{\mathbf a}` (exact sum).

    Parameters
    ----------
    p : array, shape (4**N,), real
        POVM coefficients (site 0 most significant). Any real vector is accepted (the map is
        linear; quasi-probabilities of non-physical states included).
    povm : POVM
        The frame that produced ``p``.

    Returns
    -------
    array, shape (2**N, 2**N), complex
        Complex dtype of ``p``'s precision; same namespace and device.

    Raises
    ------
    TypeError
        If ``p`` is bool, complex or non-numeric, or ``povm`` is not a POVM.
    ValueError
        If ``p`` is not 1-D of length 4**N, or not finite.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, reconstruction with the dual frame (spec §5.1.1).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import density_from_probabilities, povm, probabilities
    >>> f = povm("pauli4")
    >>> rho = np.array([[0.7, 0.2 - 0.1j], [0.2 + 0.1j, 0.3]])
    >>> bool(np.allclose(density_from_probabilities(probabilities(rho, f), f), rho))
    True
    """
    frame = _check_povm(povm)
    xp, (q,) = _xp.as_arrays(p)
    q, n = _check_probability_vector(q, xp)
    cdt = _xp.complex_dtype(xp, q.dtype)
    nd = xp.asarray(frame.N, dtype=cdt, device=_xp.device(q))
    r = xp.reshape(xp.astype(q, cdt), (4,) * n)
    for _ in range(n):  # each step removes the leading a-axis and appends (i, j)
        r = xp.tensordot(r, nd, axes=([0], [0]))
    order = (*range(0, 2 * n, 2), *range(1, 2 * n, 2))
    return xp.reshape(xp.permute_dims(r, order), (2**n, 2**n))


def _hermitian_observable(op: Array, xp: Any, name: str) -> tuple[Array, int]:
    o, n = _square_operator(op, xp, name)
    if _xp.is_eager(o):
        scale = max(float(xp.max(xp.abs(o))), 1.0)
        herm = float(xp.max(xp.abs(o - xp.conj(xp.linalg.matrix_transpose(o)))))
        if herm > 1e2 * _xp.eps(xp, o.dtype) * scale:
            msg = f"{name} must be Hermitian (an observable); got max |O - O^H| = {herm:.3g}"
            raise ValueError(msg)
    return o, n


def expectation(p: Array, observable: Array, povm: POVM, /) -> Array:
    r"""Exact :math:`\langle O\rangle = \sum_{\mathbf a} P(\mathbf a)\mathrm{Tr}(O N_{\mathbf a})`.

    Parameters
    ----------
    p : array, shape (4**N,), real
        POVM coefficients.
    observable : array, shape (2**N, 2**N)
        Hermitian observable on all N qubits.
    povm : POVM
        The frame of ``p``.

    Returns
    -------
    array, shape (), real
        In ``p``'s namespace, dtype and device.

    Raises
    ------
    TypeError
        If an argument has the wrong type or dtype, or the arrays mix namespaces.
    ValueError
        If the sizes disagree, ``observable`` is not Hermitian, or inputs are not finite.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, observables from the dual frame (spec §5.1.1).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import expectation, povm, probabilities
    >>> f = povm("tetra")
    >>> p = probabilities(np.diag([0.0, 1.0]), f)
    >>> round(float(expectation(p, np.diag([1.0, -1.0]), f)), 12)
    -1.0
    """
    frame = _check_povm(povm)
    xp, (q, o) = _xp.as_arrays(p, observable)
    q, n = _check_probability_vector(q, xp)
    o, n_o = _hermitian_observable(o, xp, "observable")
    if n_o != n:
        msg = f"observable must act on the {n} qubits of p; got {n_o} qubits"
        raise ValueError(msg)
    coef = xp.real(
        frame_coefficients(xp.astype(o, _xp.complex_dtype(xp, q.dtype)), frame, dual=True)
    )
    return xp.sum(q * coef)


def _single_site_coefficients(op: Array, frame: POVM, xp: Any, dtype: Any) -> Array:
    o, n = _hermitian_observable(op, xp, "observable")
    if n != 1:
        msg = f"observable must be a single-qubit 2 x 2 matrix; got shape {tuple(op.shape)}"
        raise ValueError(msg)
    coef = frame_coefficients(xp.astype(o, _xp.complex_dtype(xp, dtype)), frame, dual=True)
    return xp.real(coef)


def local_expectations(p: Array, observable: Array, povm: POVM, /) -> Array:
    r"""Per-site :math:`\langle O_i\rangle` of a single-qubit observable, from marginals of P.

    Parameters
    ----------
    p : array, shape (4**N,), real
        POVM coefficients.
    observable : array, shape (2, 2)
        Hermitian single-qubit observable (e.g. a Pauli matrix).
    povm : POVM
        The frame of ``p``.

    Returns
    -------
    array, shape (N,), real
        :math:`\sum_{a} P_i(a)\,\mathrm{Tr}(O N_a)` with :math:`P_i` the marginal of site
        ``i``; ``p``'s namespace, dtype and device.

    Raises
    ------
    TypeError
        Wrong types or dtypes, mixed namespaces.
    ValueError
        Bad shapes, non-Hermitian observable, non-finite input.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, reconstruction with the dual frame (spec §5.1.1).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import local_expectations, povm, probabilities
    >>> f = povm("tetra")
    >>> p = probabilities(np.kron(np.diag([1.0, 0.0]), np.diag([0.0, 1.0])), f)
    >>> np.round(local_expectations(p, np.diag([1.0, -1.0]), f), 12).tolist()
    [1.0, -1.0]
    """
    frame = _check_povm(povm)
    xp, (q, o) = _xp.as_arrays(p, observable)
    q, n = _check_probability_vector(q, xp)
    coef = _single_site_coefficients(o, frame, xp, q.dtype)
    t = xp.reshape(q, (4,) * n)
    out = []
    for i in range(n):
        marginal = xp.sum(t, axis=tuple(k for k in range(n) if k != i)) if n > 1 else t
        out.append(xp.sum(marginal * coef))
    return xp.stack(out)


def sample_local_expectations(samples: Array, observable: Array, povm: POVM, /) -> Array:
    r"""Monte Carlo estimate of per-site :math:`\langle O_i\rangle` from POVM outcome samples.

    :math:`\langle O_i\rangle \approx \frac1S\sum_s \mathrm{Tr}(O N_{a^{(s)}_i})` for samples
    :math:`\mathbf a^{(s)} \sim P` (unbiased; the large-N route).

    Parameters
    ----------
    samples : array, shape (S, N), integer
        Outcomes in 0..3 (site 0 first).
    observable : array, shape (2, 2)
        Hermitian single-qubit observable; its dtype sets the result's precision.
    povm : POVM
        The frame.

    Returns
    -------
    array, shape (N,), real
        Real dtype of ``observable``'s precision; ``samples``' namespace and device.

    Raises
    ------
    TypeError
        If ``samples`` is not an integer array, or other types are wrong.
    ValueError
        If ``samples`` is not 2-D and non-empty, or has outcomes outside 0..3.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the sample estimator of observables.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import povm, sample_local_expectations
    >>> s = np.array([[0, 1], [0, 2]])
    >>> np.round(sample_local_expectations(s, np.diag([1.0, -1.0]), povm("tetra")), 12).tolist()
    [3.0, -1.0]
    """
    frame = _check_povm(povm)
    xp, (s, o) = _xp.as_arrays(samples, observable)
    if not xp.isdtype(s.dtype, "integral"):
        msg = f"samples must be an integer array of outcomes 0..3; got dtype {s.dtype}"
        raise TypeError(msg)
    if s.ndim != 2 or s.shape[0] == 0 or s.shape[1] == 0:
        msg = f"samples must be 2-D (S, N) and non-empty; got shape {tuple(s.shape)}"
        raise ValueError(msg)
    if _xp.is_eager(s) and (int(xp.min(s)) < 0 or int(xp.max(s)) > 3):
        msg = "samples must hold outcomes in 0..3; got values outside"
        raise ValueError(msg)
    dtype = o.dtype
    if xp.isdtype(dtype, "complex floating"):
        dtype = xp.float32 if dtype == xp.complex64 else xp.float64
    elif not xp.isdtype(dtype, "real floating"):
        dtype = _xp.default_float(xp, _xp.device(s))
        o = xp.astype(o, dtype)
    coef = _single_site_coefficients(o, frame, xp, dtype)
    vals = xp.take(coef, xp.reshape(s, (-1,)), axis=0)
    return xp.mean(xp.reshape(vals, s.shape), axis=0)
