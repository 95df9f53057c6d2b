"""Computable residuals of ``0 in F(u) + G(u)``: the operator norm and the natural residual.

arXiv:2310.02987, Section 2 ("operator norm residual") and the official scripts' stopping
quantity (natural residual with ``eta = 1`` for the constrained matrix game).
"""

from __future__ import annotations

from typing import Any

from refimpl import _xp

from ._problems import FiniteSumProblem

__all__ = ["natural_residual", "operator_residual"]

Array = Any


def _check_problem_point(problem: Any, u: Any) -> tuple[Any, Any]:
    if not isinstance(problem, FiniteSumProblem):
        msg = f"problem must be a FiniteSumProblem; got {type(problem).__name__}"
        raise TypeError(msg)
    xp, (u,) = _xp.as_arrays(u)
    u = _xp.checked_real(u, name="u", xp=xp)
    if tuple(u.shape) != (problem.dim,):
        msg = f"u must have shape (dim,) = ({problem.dim},); got {tuple(u.shape)}"
        raise ValueError(msg)
    return xp, u


def _natural(problem: FiniteSumProblem, u: Array, eta: float, xp: Any) -> Array:
    fu = problem.F(u)
    if problem.resolvent is None:
        return xp.linalg.vector_norm(fu)
    return xp.linalg.vector_norm(u - problem.J(u - eta * fu, eta)) / eta


def natural_residual(problem: FiniteSumProblem, u: Array, /, *, eta: float = 1.0) -> Array:
    r"""The forward-backward (natural) residual ``||u - J_{eta G}(u - eta F(u))|| / eta``.

    Parameters
    ----------
    problem : FiniteSumProblem
        The inclusion ``0 in F(u) + G(u)``.
    u : array, shape (dim,)
        The point.
    eta : float, default 1.0
        The step inside the residual (> 0; the official scripts use 1).

    Returns
    -------
    array, shape ()
        ``R_eta(u)`` in the namespace, dtype and device of ``u``; equals ``||F(u)||`` when
        ``G = 0``. Zero exactly at solutions.

    Raises
    ------
    TypeError
        If ``problem`` is not a :class:`FiniteSumProblem` or ``u`` is not a real array.
    ValueError
        If ``u`` does not have shape ``(dim,)`` or is not finite, or ``eta <= 0``.

    Notes
    -----
    With ``ubar = J_{eta G}(u - eta F(u))``, ``(u - ubar)/eta - F(u) + F(ubar)`` lies in
    ``(F + G)(ubar)``, so ``dist(0, (F + G)(ubar)) <= (1 + eta L_F) R_eta(u)``: the natural
    residual certifies the operator-norm residual at a nearby point. Not charged as oracle
    calls when methods record it (it is a measurement).

    References
    ----------
    .. [1] arXiv:2310.02987, Section 2 (residuals) and Section 5 (the plotted quantity).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.halpern import matrix_game, natural_residual
    >>> p = matrix_game(np.array([[0.0, 1.0], [1.0, 0.0]]))
    >>> float(natural_residual(p, np.full(4, 0.5)))     # the uniform strategies solve it
    0.0
    """
    xp, u = _check_problem_point(problem, u)
    eta = _xp.positive_float(eta, name="eta")
    return _natural(problem, u, eta, xp)


def operator_residual(problem: FiniteSumProblem, u: Array, /) -> Array:
    r"""The operator-norm residual ``||F(u)||`` of an unconstrained problem (``G = 0``).

    Parameters
    ----------
    problem : FiniteSumProblem
        An unconstrained problem (no ``resolvent``).
    u : array, shape (dim,)
        The point.

    Returns
    -------
    array, shape ()
        ``||F(u)|| = dist(0, F(u) + G(u))`` in the namespace, dtype and device of ``u``.

    Raises
    ------
    TypeError
        If ``problem`` is not a :class:`FiniteSumProblem` or ``u`` is not a real array.
    ValueError
        If the problem is constrained (use :func:`natural_residual`), or ``u`` has the wrong
        shape or is not finite.

    References
    ----------
    .. [1] arXiv:2310.02987, Section 2 (the operator norm residual ``||F(u) + g||``).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.halpern import hard_qp, operator_residual
    >>> float(operator_residual(hard_qp(2), np.zeros(4)))
    0.4330127018922193
    """
    xp, u = _check_problem_point(problem, u)
    if problem.resolvent is not None:
        msg = (
            "problem must be unconstrained (G = 0) for operator_residual; got a problem with a "
            "resolvent: use natural_residual"
        )
        raise ValueError(msg)
    return xp.linalg.vector_norm(problem.F(u))
