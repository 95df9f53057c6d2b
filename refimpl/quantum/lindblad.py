r"""Lindblad generators: dense superoperators (exact reference) and the local POVM generator.

The master equation :math:`\dot\rho = \mathcal L(\rho) = -i[H,\rho] + \sum_k (L_k\rho
L_k^\dagger - \tfrac12\{L_k^\dagger L_k, \rho\})` becomes, in an IC-POVM frame,
:math:`\dot P = \mathbb L P` with the real matrix
:math:`\mathbb L_{\mathbf a\mathbf b} = \mathrm{Tr}(M_{\mathbf a}\mathcal L(N_{\mathbf b}))`.
Because :math:`\mathrm{Tr}(M_a N_b) = \delta_{ab}`, a term acting on sites :math:`S` gives the
block :math:`\mathbb L^{(S)} \otimes I_{\text{rest}}` with :math:`\mathbb L^{(S)}` of size
:math:`4^{|S|}`; :class:`LocalLindbladian` stores these 4x4 and 16x16 blocks (or larger
ones after :func:`group_blocks`) and applies them to a probability vector reshaped to
``(4,)*N`` by broadcast matrix products on precomputed axis permutations, never forming the
:math:`4^N \times 4^N` matrix.

Conventions: operators in ``qutip.tensor`` site order (site 0 most significant); the dense
superoperator acts on the row-major vectorisation ``vec(rho)[i*d + j] = rho[i, j]`` (so
``vec(A rho B) = kron(A, B.T) vec(rho)``). Site terms of the models are kept as single-site
blocks and merged into the first bond that contains their site (the official code instead
splits them over bonds with weight 1 in 1D and 1/2 in 2D; the sum is the same operator).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from refimpl import _xp
from refimpl.quantum.povms import POVM, _check_povm, _real_dtype

__all__ = [
    "LindbladModel",
    "LocalLindbladian",
    "apply_lindbladian",
    "dense_operators",
    "dissipative_ising",
    "dissipative_xyz",
    "group_blocks",
    "lindblad_model",
    "lindblad_rhs",
    "lindbladian",
    "liouvillian",
]

Array = Any
Term = tuple[tuple[int, ...], Array]

_SIGMA = {
    "x": np.array([[0, 1], [1, 0]], dtype=np.complex128),
    "y": np.array([[0, -1j], [1j, 0]], dtype=np.complex128),
    "z": np.array([[1, 0], [0, -1]], dtype=np.complex128),
    "minus": np.array([[0, 0], [1, 0]], dtype=np.complex128),  # |1><0| = qutip.sigmam()
}


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LindbladModel:
    """Local Hamiltonian terms and jump operators on ``n_sites`` qubits.

    Attributes
    ----------
    n_sites : int
        Number of qubits N.
    hamiltonian : tuple of (sites, array)
        Terms ``(sites, h)`` with ``sites`` a tuple of 1 or 2 distinct site indices and ``h``
        Hermitian of shape ``(2**len(sites),) * 2``; H is their sum (embedded).
    jumps : tuple of (sites, array)
        Jump operators ``(sites, L)`` of the same form (any matrix).
    lattice : str
        A description (``"chain(N, pbc)"``, ``"square(L x L, pbc)"`` or ``"custom"``).

    Notes
    -----
    Build with :func:`lindblad_model`, :func:`dissipative_ising` or :func:`dissipative_xyz`.
    """

    n_sites: int
    hamiltonian: tuple[Term, ...]
    jumps: tuple[Term, ...]
    lattice: str = "custom"


def _check_sites(sites: Any, n_sites: int, name: str) -> tuple[int, ...]:
    if isinstance(sites, int | np.integer):
        sites = (int(sites),)
    if not isinstance(sites, tuple | list) or not 1 <= len(sites) <= 2:
        msg = f"{name} sites must be a tuple of 1 or 2 site indices; got {sites!r}"
        raise ValueError(msg)
    out = tuple(_xp.nonnegative_int(s, name=f"{name} site") for s in sites)
    if any(s >= n_sites for s in out) or len(set(out)) != len(out):
        msg = f"{name} sites must be distinct indices in [0, {n_sites}); got {out}"
        raise ValueError(msg)
    return out


def _check_term_operator(op: Any, k: int, name: str, *, hermitian: bool) -> Array:
    xp, (o,) = _xp.as_arrays(op)
    dt = o.dtype
    if not (xp.isdtype(dt, "real floating") or xp.isdtype(dt, "complex floating")):
        msg = f"{name} must be a floating (real or complex) matrix; got dtype {dt}"
        raise TypeError(msg)
    d = 2**k
    if tuple(o.shape) != (d, d):
        msg = f"{name} must have shape ({d}, {d}) for {k} site(s); got {tuple(o.shape)}"
        raise ValueError(msg)
    if _xp.is_eager(o):
        if not bool(xp.all(xp.isfinite(o))):
            msg = f"{name} must be finite; got NaN or infinity"
            raise ValueError(msg)
        if hermitian:
            scale = max(float(xp.max(xp.abs(o))), 1.0)
            herm = float(xp.max(xp.abs(o - xp.conj(xp.linalg.matrix_transpose(o)))))
            if herm > 1e2 * _xp.eps(xp, dt) * scale:
                msg = f"{name} must be Hermitian; got max |h - h^H| = {herm:.3g}"
                raise ValueError(msg)
    return o


def lindblad_model(
    n_sites: int,
    /,
    *,
    hamiltonian: Sequence[tuple[Any, Array]] = (),
    jumps: Sequence[tuple[Any, Array]] = (),
    lattice: str = "custom",
) -> LindbladModel:
    r"""A user-defined local Lindblad model (terms on 1 or 2 sites).

    Parameters
    ----------
    n_sites : int
        Number of qubits N >= 1.
    hamiltonian : sequence of (sites, h)
        Hermitian terms; ``sites`` an int or a tuple of 1-2 distinct indices, ``h`` of shape
        ``(2**k, 2**k)`` in the order of ``sites`` (first site most significant).
    jumps : sequence of (sites, L)
        Jump operators in the same form.
    lattice : str
        Free-form description.

    Returns
    -------
    LindbladModel

    Raises
    ------
    TypeError
        If an operator is not a floating array, or terms mix namespaces.
    ValueError
        If sites are out of range or repeated, an operator has the wrong dimension or is not
        finite, or a Hamiltonian term is not Hermitian.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the Lindblad equation in the POVM
       formulation (spec §5.1.3).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import lindblad_model
    >>> sm = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> m = lindblad_model(1, hamiltonian=[(0, 0.5 * np.array([[0.0, 1], [1, 0]]))],
    ...                    jumps=[(0, sm)])
    >>> m.n_sites, len(m.jumps)
    (1, 1)
    """
    n = _xp.positive_int(n_sites, name="n_sites")
    ham: list[Term] = []
    for idx, term in enumerate(hamiltonian):
        sites = _check_sites(term[0], n, f"hamiltonian[{idx}]")
        ham.append(
            (
                sites,
                _check_term_operator(term[1], len(sites), f"hamiltonian[{idx}]", hermitian=True),
            )
        )
    jmp: list[Term] = []
    for idx, term in enumerate(jumps):
        sites = _check_sites(term[0], n, f"jumps[{idx}]")
        jmp.append(
            (sites, _check_term_operator(term[1], len(sites), f"jumps[{idx}]", hermitian=False))
        )
    ops = [t[1] for t in ham + jmp]
    if ops:
        _xp.as_arrays(*ops)  # one namespace and device
    return LindbladModel(n_sites=n, hamiltonian=tuple(ham), jumps=tuple(jmp), lattice=lattice)


def _host_op(a: np.ndarray, xp: Any, dtype: Any, dev: Any) -> Array:
    return _xp.from_host(a, xp=xp, dtype=_xp.complex_dtype(xp, dtype), device=dev)


def dissipative_ising(
    n_sites: int,
    /,
    *,
    g: float,
    V: float = 2.0,
    gamma: float = 1.0,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> LindbladModel:
    r"""The 1D dissipative transverse-field Ising chain with periodic boundaries.

    :math:`H = \frac V4 \sum_i \sigma^z_i\sigma^z_{i+1} + \frac g2 \sum_i \sigma^x_i`,
    :math:`L_i = \sqrt\gamma\,\sigma^-_i` with :math:`\sigma^- = |1\rangle\langle0|`
    (``qutip.sigmam()``; decay towards :math:`\sigma^z = -1`), sites ``i + 1`` mod N.

    Parameters
    ----------
    n_sites : int
        Chain length N >= 2 (N = 2 has one bond; N >= 3 has N bonds).
    g, V, gamma : float
        Transverse field, interaction (paper: V = 2) and decay rate (gamma = 1), gamma >= 0.
    xp, dtype, device
        Namespace, real dtype and device of the operators (complex of matching precision).

    Returns
    -------
    LindbladModel

    Raises
    ------
    ValueError
        If ``n_sites < 2`` or a parameter is not finite or ``gamma < 0``.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the 1D dissipative transverse-field Ising model
       (steady-state benchmark; official code ``lindblad.py``).

    Examples
    --------
    >>> from refimpl.quantum import dissipative_ising
    >>> m = dissipative_ising(4, g=1.0)
    >>> len(m.hamiltonian), len(m.jumps), m.lattice
    (8, 4, 'chain(4, pbc)')
    """
    n = _xp.positive_int(n_sites, name="n_sites")
    if n < 2:
        msg = f"n_sites must be >= 2 for a chain; got {n}"
        raise ValueError(msg)
    g = _finite(g, "g")
    v = _finite(V, "V")
    gam = _xp.nonnegative_float(gamma, name="gamma")
    xp = _xp.creation_namespace(xp)
    dtype = _real_dtype(xp, dtype, device)
    zz = _host_op(0.25 * v * np.kron(_SIGMA["z"], _SIGMA["z"]), xp, dtype, device)
    hx = _host_op(0.5 * g * _SIGMA["x"], xp, dtype, device)
    lm = _host_op(math.sqrt(gam) * _SIGMA["minus"], xp, dtype, device)
    bonds = [(i, (i + 1) % n) for i in range(n if n > 2 else 1)]
    ham: list[Term] = [(b, zz) for b in bonds] + [((i,), hx) for i in range(n)]
    jumps: list[Term] = [((i,), lm) for i in range(n)]
    return LindbladModel(
        n_sites=n, hamiltonian=tuple(ham), jumps=tuple(jumps), lattice=f"chain({n}, pbc)"
    )


def _finite(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        msg = f"{name} must be a real number; got {type(value).__name__}"
        raise TypeError(msg)
    v = float(value)
    if not math.isfinite(v):
        msg = f"{name} must be finite; got {v}"
        raise ValueError(msg)
    return v


def dissipative_xyz(
    n_sites: int,
    /,
    *,
    J: tuple[float, float, float] = (0.9, 1.6, 1.0),
    B: float = 0.0,
    gamma: float = 1.0,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> LindbladModel:
    r"""The 2D dissipative XYZ model on an L x L periodic square lattice (N = L^2).

    :math:`H = \sum_{\langle ij\rangle}(J_x\sigma^x_i\sigma^x_j + J_y\sigma^y_i\sigma^y_j +
    J_z\sigma^z_i\sigma^z_j) + \frac B2\sum_i \sigma^x_i`, :math:`L_i = \sqrt\gamma\sigma^-_i`.
    Bonds: each site to its right and down neighbours (mod L), site ``r * L + c``; L = 2
    gives each pair once (4 bonds), L >= 3 gives 2N bonds.

    Parameters
    ----------
    n_sites : int
        N, a perfect square >= 4.
    J : tuple of 3 floats
        (J_x, J_y, J_z); the paper's dynamics uses (0.9, 1.6, 1.0).
    B : float
        Transverse field (paper's dynamics: 0).
    gamma : float
        Decay rate >= 0.
    xp, dtype, device
        Namespace, real dtype and device of the operators.

    Returns
    -------
    LindbladModel

    Raises
    ------
    ValueError
        If ``n_sites`` is not a perfect square >= 4, or a parameter is invalid.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the 2D dissipative XYZ model (dynamics benchmark;
       official code ``lindblad_2d_dynamics.py``).

    Examples
    --------
    >>> from refimpl.quantum import dissipative_xyz
    >>> m = dissipative_xyz(9)
    >>> len(m.hamiltonian), m.lattice
    (18, 'square(3 x 3, pbc)')
    """
    n = _xp.positive_int(n_sites, name="n_sites")
    side = math.isqrt(n)
    if side * side != n or side < 2:
        msg = f"n_sites must be a perfect square L*L with L >= 2 (square lattice); got {n}"
        raise ValueError(msg)
    if not isinstance(J, tuple | list) or len(J) != 3:
        msg = f"J must be a tuple (J_x, J_y, J_z); got {J!r}"
        raise ValueError(msg)
    jx, jy, jz = (_finite(j, "J") for j in J)
    b = _finite(B, "B")
    gam = _xp.nonnegative_float(gamma, name="gamma")
    xp = _xp.creation_namespace(xp)
    dtype = _real_dtype(xp, dtype, device)
    s = _SIGMA
    hb = jx * np.kron(s["x"], s["x"]) + jy * np.kron(s["y"], s["y"]) + jz * np.kron(s["z"], s["z"])
    hbond = _host_op(hb, xp, dtype, device)
    bonds: list[tuple[int, int]] = []
    for r in range(side):
        for c in range(side):
            i = r * side + c
            for j in (r * side + (c + 1) % side, ((r + 1) % side) * side + c):
                if (i, j) not in bonds and (j, i) not in bonds:
                    bonds.append((i, j))
    ham: list[Term] = [(bd, hbond) for bd in bonds]
    if b != 0.0:
        hx = _host_op(0.5 * b * s["x"], xp, dtype, device)
        ham += [((i,), hx) for i in range(n)]
    lm = _host_op(math.sqrt(gam) * s["minus"], xp, dtype, device)
    jumps: list[Term] = [((i,), lm) for i in range(n)]
    return LindbladModel(
        n_sites=n,
        hamiltonian=tuple(ham),
        jumps=tuple(jumps),
        lattice=f"square({side} x {side}, pbc)",
    )


# -------------------------------------------------------------------------- dense route
def _check_model(model: Any) -> LindbladModel:
    if not isinstance(model, LindbladModel):
        msg = f"model must be a refimpl.quantum.LindbladModel; got {type(model).__name__}"
        raise TypeError(msg)
    return model


def _model_namespace(model: LindbladModel) -> tuple[Any, Any, Any]:
    ops = [t[1] for t in model.hamiltonian + model.jumps]
    if not ops:
        msg = "model must have at least one Hamiltonian term or jump operator; got none"
        raise ValueError(msg)
    xp, arrs = _xp.as_arrays(*ops)
    cdt = arrs[0].dtype
    for o in arrs:
        if o.dtype in (xp.complex128, xp.float64) and cdt in (xp.complex64, xp.float32):
            cdt = o.dtype
    if xp.isdtype(cdt, "real floating"):
        cdt = _xp.complex_dtype(xp, cdt)
    return xp, cdt, _xp.device(arrs[0])


def _embed(op: Array, sites: tuple[int, ...], n: int, xp: Any, cdt: Any) -> Array:
    """The 2**n x 2**n matrix of a 1- or 2-site operator (qutip.tensor order)."""
    k = len(sites)
    dev = _xp.device(op)
    o = xp.reshape(xp.astype(op, cdt), (2,) * (2 * k))
    rest = [s for s in range(n) if s not in sites]
    eye = xp.eye(2 ** len(rest), dtype=cdt, device=dev)
    full = xp.tensordot(o, xp.reshape(eye, (2,) * (2 * len(rest))), axes=0)
    # axes of full: out(sites), in(sites), out(rest), in(rest)
    m = len(rest)
    out_axes = [0] * n
    in_axes = [0] * n
    for idx, s in enumerate(sites):
        out_axes[s] = idx
        in_axes[s] = k + idx
    for idx, s in enumerate(rest):
        out_axes[s] = 2 * k + idx
        in_axes[s] = 2 * k + m + idx
    return xp.reshape(xp.permute_dims(full, (*out_axes, *in_axes)), (2**n, 2**n))


def dense_operators(model: LindbladModel, /) -> tuple[Array, Array]:
    r"""The dense Hamiltonian and jump operators of a local model (small N reference).

    Parameters
    ----------
    model : LindbladModel

    Returns
    -------
    H : array, shape (2**N, 2**N), complex
    jumps : array, shape (K, 2**N, 2**N), complex
        Both in the model's namespace and device; complex dtype of the widest term.

    Raises
    ------
    TypeError
        If ``model`` is not a LindbladModel.
    ValueError
        If the model is empty or N > 12 (the dense route is a small-N reference).

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the Lindblad equation (spec §5.1.3).

    Examples
    --------
    >>> from refimpl.quantum import dense_operators, dissipative_ising
    >>> h, ls = dense_operators(dissipative_ising(3, g=1.0))
    >>> h.shape, ls.shape
    ((8, 8), (3, 8, 8))
    """
    m = _check_model(model)
    if m.n_sites > 12:
        msg = f"model must have at most 12 sites for the dense route; got {m.n_sites}"
        raise ValueError(msg)
    xp, cdt, dev = _model_namespace(m)
    d = 2**m.n_sites
    h = xp.zeros((d, d), dtype=cdt, device=dev)
    for sites, op in m.hamiltonian:
        h = h + _embed(op, sites, m.n_sites, xp, cdt)
    if m.jumps:
        ls = xp.stack([_embed(op, sites, m.n_sites, xp, cdt) for sites, op in m.jumps])
    else:
        ls = xp.zeros((0, d, d), dtype=cdt, device=dev)
    return h, ls


def _check_h_jumps(hamiltonian: Array, jumps: Array, xp: Any) -> tuple[Array, Array]:
    for name, a in (("hamiltonian", hamiltonian), ("jumps", jumps)):
        dt = a.dtype
        if not (xp.isdtype(dt, "real floating") or xp.isdtype(dt, "complex floating")):
            msg = f"{name} must be a floating (real or complex) array; got dtype {dt}"
            raise TypeError(msg)
    h, ls = hamiltonian, jumps
    if h.ndim != 2 or h.shape[0] != h.shape[1] or h.shape[0] == 0:
        msg = f"hamiltonian must be a square 2-D matrix (d, d); got shape {tuple(h.shape)}"
        raise ValueError(msg)
    d = int(h.shape[0])
    if ls.ndim != 3 or tuple(ls.shape[1:]) != (d, d):
        msg = f"jumps must have shape (K, {d}, {d}); got {tuple(ls.shape)}"
        raise ValueError(msg)
    cdt = h.dtype if xp.isdtype(h.dtype, "complex floating") else _xp.complex_dtype(xp, h.dtype)
    if ls.dtype in (xp.float64, xp.complex128):
        cdt = xp.complex128 if cdt == xp.complex64 or cdt == xp.complex128 else cdt
    h, ls = xp.astype(h, cdt), xp.astype(ls, cdt)
    if _xp.is_eager(h):
        if not (bool(xp.all(xp.isfinite(h))) and bool(xp.all(xp.isfinite(ls)))):
            msg = "hamiltonian and jumps must be finite; got NaN or infinity"
            raise ValueError(msg)
        scale = max(float(xp.max(xp.abs(h))), 1.0)
        herm = float(xp.max(xp.abs(h - xp.conj(xp.linalg.matrix_transpose(h)))))
        if herm > 1e2 * _xp.eps(xp, cdt) * scale:
            msg = f"hamiltonian must be Hermitian; got max |H - H^H| = {herm:.3g}"
            raise ValueError(msg)
    return h, ls


def lindblad_rhs(rho: Array, hamiltonian: Array, jumps: Array, /) -> Array:
    r"""The Lindblad right-hand side :math:`\mathcal L(\rho)` with dense matrices.

    Parameters
    ----------
    rho : array, shape (d, d)
        Any operator (the map is linear).
    hamiltonian : array, shape (d, d)
        Hermitian H.
    jumps : array, shape (K, d, d)
        Jump operators :math:`L_k` (K may be 0).

    Returns
    -------
    array, shape (d, d), complex
        :math:`-i[H,\rho] + \sum_k (L_k\rho L_k^\dagger - \frac12\{L_k^\dagger L_k,\rho\})`,
        in the inputs' namespace and device.

    Raises
    ------
    TypeError
        Wrong dtypes or mixed namespaces.
    ValueError
        Wrong shapes, non-Hermitian H, non-finite input.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the Lindblad equation (spec §5.1.3).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import lindblad_rhs
    >>> sm = np.array([[[0.0, 0.0], [1.0, 0.0]]])
    >>> np.round(lindblad_rhs(np.diag([1.0, 0.0]), np.zeros((2, 2)), sm).real, 12).tolist()
    [[-1.0, 0.0], [0.0, 1.0]]
    """
    xp, (r, h, ls) = _xp.as_arrays(rho, hamiltonian, jumps)
    h, ls = _check_h_jumps(h, ls, xp)
    if tuple(r.shape) != tuple(h.shape):
        msg = f"rho must have the shape of hamiltonian {tuple(h.shape)}; got {tuple(r.shape)}"
        raise ValueError(msg)
    r = xp.astype(r, h.dtype)
    out = -1j * (h @ r - r @ h)
    if ls.shape[0]:
        ld = xp.conj(xp.linalg.matrix_transpose(ls))
        ldl = xp.sum(ld @ ls, axis=0)
        out = out + xp.sum(ls @ r @ ld, axis=0) - 0.5 * (ldl @ r + r @ ldl)
    return out


def liouvillian(hamiltonian: Array, jumps: Array, /) -> Array:
    r"""The dense Liouvillian superoperator (row-major vectorisation), small systems only.

    Parameters
    ----------
    hamiltonian : array, shape (d, d)
        Hermitian H.
    jumps : array, shape (K, d, d)
        Jump operators.

    Returns
    -------
    array, shape (d*d, d*d), complex
        :math:`\mathcal L_{vec} = -i(H\otimes I - I\otimes H^T) + \sum_k [L_k\otimes\bar L_k -
        \frac12 L_k^\dagger L_k\otimes I - \frac12 I\otimes(L_k^\dagger L_k)^T]`, acting on
        ``vec(rho)[i*d + j] = rho[i, j]``; the inputs' namespace and device.

    Raises
    ------
    TypeError
        Wrong dtypes or mixed namespaces.
    ValueError
        Wrong shapes, non-Hermitian H, non-finite input, or d > 256.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the Lindblad equation (spec §5.1.3).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import liouvillian
    >>> sm = np.array([[[0.0, 0.0], [1.0, 0.0]]])
    >>> lv = liouvillian(np.zeros((2, 2)), sm)
    >>> np.round(lv.real, 12)[3].tolist()  # d rho_11 / dt = rho_00
    [1.0, 0.0, 0.0, 0.0]
    """
    xp, (h, ls) = _xp.as_arrays(hamiltonian, jumps)
    h, ls = _check_h_jumps(h, ls, xp)
    d = int(h.shape[0])
    if d > 256:
        msg = f"hamiltonian must have dimension <= 256 for the dense superoperator; got {d}"
        raise ValueError(msg)
    eye = xp.eye(d, dtype=h.dtype, device=_xp.device(h))

    def kron(a: Array, b: Array) -> Array:
        return xp.reshape(xp.permute_dims(xp.tensordot(a, b, axes=0), (0, 2, 1, 3)), (d * d, d * d))

    ht = xp.linalg.matrix_transpose(h)
    out = -1j * (kron(h, eye) - kron(eye, ht))
    for k in range(int(ls.shape[0])):
        lk = ls[k, ...]
        ldl = xp.conj(xp.linalg.matrix_transpose(lk)) @ lk
        out = out + kron(lk, xp.conj(lk)) - 0.5 * kron(ldl, eye)
        out = out - 0.5 * kron(eye, xp.linalg.matrix_transpose(ldl))
    return out


# ---------------------------------------------------------------------- POVM generator
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LocalLindbladian:
    r"""The POVM-space generator :math:`\mathbb L = \sum_S \mathbb L^{(S)}\otimes I` as blocks.

    Attributes
    ----------
    n_sites : int
        N.
    sites : tuple of tuples
        The sites of each block (1 or 2 sites from :func:`lindbladian`, up to 3 or a
        user's choice after :func:`group_blocks`; distinct tuples).
    blocks : tuple of arrays
        Real blocks of shape ``(4**k, 4**k)`` (k = number of sites), in the order of
        ``sites`` (first site most significant).
    povm : POVM
        The frame.

    Notes
    -----
    Apply with :meth:`apply` (or :func:`apply_lindbladian`); :meth:`dense` forms the full
    matrix for small N (tests and exact steady states).
    """

    n_sites: int
    sites: tuple[tuple[int, ...], ...]
    blocks: tuple[Array, ...]
    povm: POVM

    def apply(self, p: Array, /) -> Array:
        """:math:`\\mathbb L p` for ``p`` of shape (4**N,) (see :func:`apply_lindbladian`)."""
        return apply_lindbladian(self, p)

    def dense(self) -> Array:
        """The full real matrix, shape (4**N, 4**N); N <= 7."""
        if self.n_sites > 7:
            msg = f"n_sites must be <= 7 to form the dense generator; got {self.n_sites}"
            raise ValueError(msg)
        xp = _xp.as_arrays(self.blocks[0])[0]
        b0 = self.blocks[0]
        n = 4**self.n_sites
        eye = xp.eye(n, dtype=b0.dtype, device=_xp.device(b0))
        return _apply_batch(self, eye, xp)


def _local_superop_block(op: Array, kind: str, k: int, frame: POVM, xp: Any, cdt: Any) -> Array:
    """4**k x 4**k real block Tr(M_a  L_term(N_b)) of one Hamiltonian term or jump."""
    d = 2**k
    m1 = xp.asarray(frame.M, dtype=cdt, device=_xp.device(op))
    n1 = xp.asarray(frame.N, dtype=cdt, device=_xp.device(op))
    if k == 1:
        mk, nk = m1, n1
    else:
        mk = xp.reshape(
            xp.permute_dims(xp.tensordot(m1, m1, axes=0), (0, 3, 1, 4, 2, 5)), (16, 4, 4)
        )
        nk = xp.reshape(
            xp.permute_dims(xp.tensordot(n1, n1, axes=0), (0, 3, 1, 4, 2, 5)), (16, 4, 4)
        )
    o = xp.astype(op, cdt)
    if kind == "h":
        img = -1j * (o @ nk - nk @ o)
    else:
        od = xp.conj(xp.linalg.matrix_transpose(o))
        odo = od @ o
        img = o @ nk @ od - 0.5 * (odo @ nk + nk @ odo)
    # block[a, b] = Tr(M_a img_b) = sum_ij M_a[i, j] img_b[j, i]
    mflat = xp.reshape(mk, (4**k, d * d))
    iflat = xp.reshape(xp.permute_dims(img, (0, 2, 1)), (4**k, d * d))
    return xp.real(mflat @ xp.linalg.matrix_transpose(iflat))


def _merge_blocks(raw: list[tuple[tuple[int, ...], Array]], xp: Any) -> list[tuple[Any, Array]]:
    """Sum blocks on equal sites; fold 1-site blocks into the first bond holding the site."""
    acc: dict[tuple[int, ...], Array] = {}
    for sites, block in raw:
        acc[sites] = acc[sites] + block if sites in acc else block
    pairs = [s for s in acc if len(s) == 2]
    items: list[tuple[Any, Array]] = [(s, acc[s]) for s in pairs]
    for s, block in acc.items():
        if len(s) == 2:
            continue
        host = next((i for i, q in enumerate(pairs) if s[0] in q), None)
        if host is None:
            items.append((s, block))
            continue
        eye = xp.eye(4, dtype=block.dtype, device=_xp.device(block))
        a, b = (block, eye) if pairs[host][0] == s[0] else (eye, block)
        kr = xp.reshape(xp.permute_dims(xp.tensordot(a, b, axes=0), (0, 2, 1, 3)), (16, 16))
        items[host] = (pairs[host], items[host][1] + kr)
    return items


def lindbladian(model: LindbladModel, povm: POVM, /, *, merge: bool = True) -> LocalLindbladian:
    r"""The POVM-space generator of a local model as 4x4 / 16x16 blocks.

    Parameters
    ----------
    model : LindbladModel
        Local Hamiltonian terms and jumps.
    povm : POVM
        The single-qubit frame (moved to the model's namespace and precision).
    merge : bool
        Sum blocks on equal site tuples and fold single-site blocks into the first bond that
        contains their site (fewer contractions per application; the operator is unchanged).

    Returns
    -------
    LocalLindbladian
        Real blocks in the model's namespace, device and real precision.

    Raises
    ------
    TypeError
        If ``model`` or ``povm`` has the wrong type.
    ValueError
        If the model is empty.

    Notes
    -----
    :math:`\mathbb L^{(S)}_{ab} = \mathrm{Tr}(M_a\,\mathcal L_S(N_b))` for the frame on the
    sites S; real because M and N are Hermitian and the Lindblad map preserves Hermiticity.
    Column sums vanish (trace preservation): :math:`\sum_a M_a = I`.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the Lindbladian in the POVM basis
       (spec §5.1.3; equation number not checked).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import dissipative_ising, lindbladian, povm
    >>> gen = lindbladian(dissipative_ising(4, g=1.0), povm("tetra"))
    >>> gen.sites
    ((0, 1), (1, 2), (2, 3), (3, 0))
    >>> bool(np.allclose(gen.dense().sum(axis=0), 0.0))
    True
    """
    m = _check_model(model)
    frame = _check_povm(povm)
    xp, cdt, _ = _model_namespace(m)
    raw = [
        (sites, _local_superop_block(op, kind, len(sites), frame, xp, cdt))
        for kind, terms in (("h", m.hamiltonian), ("j", m.jumps))
        for sites, op in terms
    ]
    items = raw if not merge else _merge_blocks(raw, xp)
    rdt = xp.float32 if cdt == xp.complex64 else xp.float64
    frame_out = dataclasses.replace(
        frame,
        M=xp.asarray(frame.M, dtype=cdt, device=_xp.device(items[0][1])),
        N=xp.asarray(frame.N, dtype=cdt, device=_xp.device(items[0][1])),
        T=xp.asarray(frame.T, dtype=rdt, device=_xp.device(items[0][1])),
        T_inv=xp.asarray(frame.T_inv, dtype=rdt, device=_xp.device(items[0][1])),
    )
    return LocalLindbladian(
        n_sites=m.n_sites,
        sites=tuple(s for s, _ in items),
        blocks=tuple(b for _, b in items),
        povm=frame_out,
    )


def _embed_block(block: Array, sites: tuple[int, ...], group: tuple[int, ...], xp: Any) -> Array:
    """``block`` (on ``sites``) tensored with the identity on the other sites of ``group``,
    as a ``4**len(group)`` square matrix in the site order of ``group``."""
    m, k = len(sites), len(group)
    if tuple(sites) == tuple(group):
        return block
    others = [s for s in group if s not in sites]
    r = k - m
    eye = xp.eye(4**r, dtype=block.dtype, device=_xp.device(block))
    t = xp.tensordot(xp.reshape(block, (4,) * (2 * m)), xp.reshape(eye, (4,) * (2 * r)), axes=0)
    # axes of t: out(sites), in(sites), out(others), in(others)
    src = {s: j for j, s in enumerate(sites)}
    src.update({s: 2 * m + j for j, s in enumerate(others)})
    order = [src[s] for s in group] + [src[s] + (m if s in sites else r) for s in group]
    return xp.reshape(xp.permute_dims(t, tuple(order)), (4**k, 4**k))


def _default_groups(sites: tuple[tuple[int, ...], ...]) -> list[tuple[int, ...]]:
    """Cover the 2-site blocks by site sets of at most 3 sites: first triangles of bonds
    (three bonds each; the rows and columns of a 3 x 3 periodic lattice), then pairs of bonds
    sharing a site, then single bonds; sites sorted within a group."""
    bonds: list[frozenset[int]] = []
    for s in sites:
        if len(s) == 2 and frozenset(s) not in bonds:
            bonds.append(frozenset(s))
    covered: set[frozenset[int]] = set()
    groups: list[tuple[int, ...]] = []
    bond_set = set(bonds)
    for bd in bonds:  # triangles whose three bonds are all still uncovered
        if bd in covered:
            continue
        a, b = sorted(bd)
        for c in sorted({x for e in bonds for x in e} - {a, b}):
            tri = (frozenset((a, c)), frozenset((b, c)))
            if all(e in bond_set and e not in covered for e in tri):
                covered.update((bd, *tri))
                groups.append(tuple(sorted((a, b, c))))
                break
    for bd in bonds:  # pairs of bonds sharing a site
        if bd in covered:
            continue
        partner = next((e for e in bonds if e not in covered and e != bd and e & bd), None)
        covered.add(bd)
        if partner is None:
            groups.append(tuple(sorted(bd)))
            continue
        covered.add(partner)
        groups.append(tuple(sorted(bd | partner)))
    return groups


def group_blocks(
    generator: LocalLindbladian, /, groups: Sequence[Sequence[int]] | None = None
) -> LocalLindbladian:
    r"""The same generator with its blocks summed into larger site groups (faster to apply).

    Each block is tensored with the identity on the other sites of the first group that
    contains all its sites and added to that group's :math:`4^k 	imes 4^k` block. Fewer,
    larger blocks mean fewer passes over the :math:`4^N` probabilities per application (the
    18 bonds and 9 sites of the 3 x 3 XYZ model become 6 blocks of size 64: its rows and
    columns, which are triangles of bonds on a periodic 3 x 3 lattice).

    Parameters
    ----------
    generator : LocalLindbladian
    groups : sequence of sequences of int, optional
        Site groups (distinct sites each). Default: triangles of bonds, then pairs of bonds
        sharing a site, then single bonds (at most 3 sites per group); a block contained in
        no group keeps its own sites.

    Returns
    -------
    LocalLindbladian
        The same operator (to round-off); blocks in the generator's namespace and dtype.

    Raises
    ------
    TypeError
        If ``generator`` is not a LocalLindbladian.
    ValueError
        If a group is empty, repeats a site, or names a site outside ``[0, N)``.

    Notes
    -----
    A group of k sites costs :math:`4^N\cdot 4^k` multiply-adds per application against
    :math:`4^N\cdot 16` per bond: grouping pays when it replaces several bonds and the
    memory passes dominate (large N). For the variational costs keep the ungrouped
    generator (:func:`~refimpl.quantum.local_generator_values` evaluates the model at
    :math:`4^k` configurations per block).

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the local structure
       :math:`\mathbb L = \sum_S \mathbb L^{(S)}\otimes I` (spec §5.1.3).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import dissipative_xyz, group_blocks, lindbladian, povm
    >>> gen = lindbladian(dissipative_xyz(9), povm("tetra"))
    >>> grouped = group_blocks(gen)
    >>> len(gen.blocks), grouped.sites
    (18, ((0, 1, 2), (0, 3, 6), (1, 4, 7), (2, 5, 8), (3, 4, 5), (6, 7, 8)))
    >>> p = np.full(4**9, 1 / 4**9)
    >>> bool(np.allclose(grouped.apply(p), gen.apply(p), atol=1e-15))
    True
    """
    if not isinstance(generator, LocalLindbladian):
        msg = f"generator must be a LocalLindbladian; got {type(generator).__name__}"
        raise TypeError(msg)
    n = generator.n_sites
    if groups is None:
        cover = _default_groups(generator.sites)
    else:
        cover = []
        for g in groups:
            t = tuple(_xp.nonnegative_int(s, name="groups site") for s in g)
            if not t or len(set(t)) != len(t) or any(s >= n for s in t):
                msg = f"groups must hold non-empty tuples of distinct sites in [0, {n}); got {t}"
                raise ValueError(msg)
            cover.append(t)
    xp = _xp.as_arrays(generator.blocks[0])[0]
    acc: dict[tuple[int, ...], Array] = {}
    for sites, block in zip(generator.sites, generator.blocks, strict=True):
        host = next((g for g in cover if set(sites) <= set(g)), tuple(sites))
        emb = _embed_block(block, tuple(sites), host, xp)
        acc[host] = acc[host] + emb if host in acc else emb
    return dataclasses.replace(generator, sites=tuple(acc), blocks=tuple(acc[s] for s in acc))


def _plan(
    sites: tuple[tuple[int, ...], ...], n: int
) -> list[tuple[tuple[int, ...], list[tuple[int, int]]]]:
    """The application plan: ``[(perm, [(offset, block index), ...]), ...]``.

    Under ``perm`` (the new axis order of the ``(4,)*N`` tensor) each listed block's sites sit
    at the consecutive axes ``offset, offset + 1, ...`` in the block's own site order, so the
    block acts as one matrix product on a ``(4**offset, 4**k, rest)`` view. Blocks already
    contiguous in site order use the identity (no copy); the others are packed greedily,
    pairwise disjoint ones together, into as few permutations as possible (the three columns
    of a 3 x 3 lattice share one: the lattice transpose)."""
    ident = tuple(range(n))
    plan: list[tuple[tuple[int, ...], list[tuple[int, int]]]] = [(ident, [])]
    pending = []
    for idx, s in enumerate(sites):
        if list(s) == list(range(s[0], s[0] + len(s))):
            plan[0][1].append((s[0], idx))
        else:
            pending.append(idx)
    while pending:
        used: set[int] = set()
        order: list[int] = []
        items: list[tuple[int, int]] = []
        later = []
        for idx in pending:
            s = sites[idx]
            if used.isdisjoint(s):
                items.append((len(order), idx))
                order.extend(s)
                used.update(s)
            else:
                later.append(idx)
        plan.append((tuple(order + [i for i in range(n) if i not in used]), items))
        pending = later
    return [entry for entry in plan if entry[1]]


def _apply_batch(gen: LocalLindbladian, p: Array, xp: Any) -> Array:
    """Apply to p of shape (4**N, B) (columns); returns the same shape.

    For each permutation of the plan (:func:`_plan`) the tensor ``(4,)*N + (B,)`` is permuted
    once (not at all for the identity), every block of that permutation multiplies its
    ``(4**offset, 4**k, rest)`` view as one broadcast matrix product, and the sum is permuted
    back once."""
    n = gen.n_sites
    batch = int(p.shape[1])
    size = 4**n
    out = None
    for perm, items in _plan(gen.sites, n):
        identity = perm == tuple(range(n))
        if identity:
            v = p
        else:
            v = xp.permute_dims(xp.reshape(p, (4,) * n + (batch,)), (*perm, n))
            v = xp.reshape(v, (size, batch))
        acc = None
        for offset, idx in items:
            block = xp.astype(gen.blocks[idx], p.dtype)
            m = int(block.shape[0])
            view = xp.reshape(v, (4**offset, m, (size // (4**offset * m)) * batch))
            w = xp.reshape(block @ view, (size, batch))
            acc = w if acc is None else acc + w
        assert acc is not None
        if not identity:
            inverse = tuple(int(i) for i in np.argsort(np.asarray(perm)))
            acc = xp.permute_dims(xp.reshape(acc, (4,) * n + (batch,)), (*inverse, n))
            acc = xp.reshape(acc, (size, batch))
        out = acc if out is None else out + acc
    assert out is not None
    return out


def apply_lindbladian(generator: LocalLindbladian, p: Array, /) -> Array:
    r"""Matrix-free :math:`\mathbb L p` by contracting the local blocks into ``p``.

    Parameters
    ----------
    generator : LocalLindbladian
    p : array, shape (4**N,) or (4**N, B), real
        A coefficient vector (or B columns); any real vector (the map is linear).

    Returns
    -------
    array, same shape as ``p``
        ``p``'s namespace, dtype and device.

    Raises
    ------
    TypeError
        Wrong types, dtypes, or namespaces.
    ValueError
        If the length of ``p`` is not 4**N or ``p`` is not finite.

    Notes
    -----
    Cost :math:`O(4^N \sum_S 4^{|S|})` multiply-adds, memory :math:`O(4^N)`; blocks on
    consecutive sites need no copy, the others one permutation in and one back per group of
    disjoint blocks (:func:`group_blocks` reduces the number of passes).

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the Lindbladian in the POVM basis (spec §5.1.3).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import apply_lindbladian, dissipative_ising, lindbladian, povm
    >>> gen = lindbladian(dissipative_ising(3, g=1.0), povm("tetra"))
    >>> p = np.full(64, 1 / 64)  # the maximally mixed state
    >>> abs(float(apply_lindbladian(gen, p).sum())) < 1e-14
    True
    """
    if not isinstance(generator, LocalLindbladian):
        msg = f"generator must be a LocalLindbladian; got {type(generator).__name__}"
        raise TypeError(msg)
    xp, (q, _) = _xp.as_arrays(p, generator.blocks[0])
    q = _xp.checked_real(q, name="p", xp=xp)
    n = generator.n_sites
    if q.ndim not in (1, 2) or int(q.shape[0]) != 4**n:
        msg = f"p must have shape ({4**n},) or ({4**n}, B); got {tuple(q.shape)}"
        raise ValueError(msg)
    if q.ndim == 1:
        return xp.reshape(_apply_batch(generator, xp.reshape(q, (4**n, 1)), xp), (4**n,))
    return _apply_batch(generator, q, xp)
