"""Move a host (NumPy) GP-HM problem and its parameters to a test namespace."""

from __future__ import annotations

from refimpl.gp import GPHMParams, GridPDE
from tests._helpers import to_xp


def to_xp_problem(xp, prob, par, dtype, device):
    """``(GridPDE, GPHMParams)`` with every array moved to ``xp`` / ``dtype`` / ``device``."""

    def x(a):
        return to_xp(xp, a, dtype, device)

    xprob = GridPDE(tuple(x(g) for g in prob.grids), x(prob.source), x(prob.boundary))
    xpar = GPHMParams(
        tuple(map(x, par.log_w)),
        tuple(map(x, par.log_ls)),
        tuple(map(x, par.mu)),
        x(par.log_tau),
        x(par.log_v),
    )
    return xprob, xpar
