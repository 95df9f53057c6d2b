"""Benchmark: exact POVM dynamics of the 2D dissipative XYZ model against ``qutip.mesolve``.

The issue's performance goal: the exact POVM dynamics of the 3x3 XYZ model (4^9 probabilities)
from t = 0 to 2, with error <= 1e-6 against the exact solution, no slower than
``qutip.mesolve`` (atol 1e-9, rtol 1e-7) timed in the same run. The POVM side uses the local
bond structure of the generator, never a 4^N x 4^N matrix:

* ``krylov_evolve`` on ``group_blocks(lindbladian(...))`` (the 18 bonds and 9 site terms summed
  into 6 blocks of size 64 on the rows and columns of the lattice, applied as broadcast matrix
  products with one precomputed axis permutation, the lattice transpose, for the columns):
  Krylov exponentials between the 26 output times t = 0, 0.08, ..., 2, tolerance 1e-10 per
  step;
* the same on the ungrouped generator (18 blocks of size 16, for comparison);
* ``trapezoid_evolve`` (Crank-Nicolson with the step ``cn_tau`` that reaches the 1e-6 error
  target on the quick lattice; it is timed on the quick lattice only, because at 3x3 it would
  need ~1000 steps).

Full mode times everything twice: with the default BLAS threads and with BLAS limited to one
thread on both sides (threadpoolctl). Both sides compute the site-averaged <sigma_z>(t) at the
same times, from the same initial state (all sites |0>). Quick: 2x2 lattice (QuTiP's fixed
overheads dominate there); full: 3x3 (the issue's case). The achieved error of each POVM route
against QuTiP is recorded in the case. Without QuTiP the baseline is
``scipy.sparse.linalg.expm_multiply`` on the sparse vectorised Liouvillian (density-matrix
route). Run ``python validation/povm_open_quantum/bench.py [--full]`` or ``refimpl bench --only
povm_open_quantum``; compare ratios from one run only.
"""

from __future__ import annotations

import contextlib
import importlib.util
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from refimpl.quantum import (
    dense_operators,
    dissipative_xyz,
    group_blocks,
    krylov_evolve,
    lindbladian,
    povm,
    probabilities,
    trapezoid_evolve,
)

QUICK: dict[str, Any] = {
    "side": 2,
    "repeats": 2,
    "cn_tau": 0.001,
    "with_trapezoid": True,
    "blas_threads": [None],
}
#: full: also with BLAS limited to one thread on both sides (threadpoolctl, when installed): on
#: the shared 2-core machine two OpenBLAS threads made the 64 x 4096 products up to 10x slower
FULL: dict[str, Any] = {
    "side": 3,
    "repeats": 1,
    "cn_tau": 0.001,
    "with_trapezoid": False,
    "blas_threads": [None, 1],
}


@contextlib.contextmanager
def _blas_threads(threads: int | None) -> Iterator[None]:
    """Limit the BLAS thread pools (threadpoolctl) inside the block; no-op for None or when
    threadpoolctl is absent."""
    if threads is None or importlib.util.find_spec("threadpoolctl") is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        yield


SZ = np.diag([1.0, -1.0]).astype(complex)
TIMES = np.linspace(0.0, 2.0, 26)


def _qutip_route(side: int) -> Callable[[], np.ndarray]:
    import qutip

    n = side * side
    h, ls = dense_operators(dissipative_xyz(n))
    dims = [[2] * n, [2] * n]
    hq = qutip.Qobj(h, dims=dims).to("csr")
    lq = [qutip.Qobj(x, dims=dims).to("csr") for x in ls]
    rho0 = qutip.tensor([qutip.basis(2, 0).proj()] * n)
    zs = [
        qutip.tensor([qutip.sigmaz() if k == i else qutip.qeye(2) for k in range(n)])
        for i in range(n)
    ]

    def call() -> np.ndarray:
        out = qutip.mesolve(hq, rho0, TIMES, lq, e_ops=zs, options={"atol": 1e-9, "rtol": 1e-7})
        return np.mean(np.array(out.expect), axis=0)

    return call


def _scipy_route(side: int) -> Callable[[], np.ndarray]:
    import scipy.sparse as sp
    from scipy.sparse.linalg import expm_multiply

    n = side * side
    h, ls = dense_operators(dissipative_xyz(n))
    d = 2**n
    eye = sp.identity(d, format="csr")
    hs = sp.csr_matrix(h)
    lv = -1j * (sp.kron(hs, eye) - sp.kron(eye, hs.T))
    for x in ls:
        xs = sp.csr_matrix(x)
        ldl = (xs.conj().T @ xs).tocsr()
        lv = lv + sp.kron(xs, xs.conj()) - 0.5 * sp.kron(ldl, eye) - 0.5 * sp.kron(eye, ldl.T)
    lv = lv.tocsr()
    rho0 = np.zeros(d * d, dtype=complex)
    rho0[0] = 1.0
    zdiag = np.array(
        [sum(1 - 2 * ((k >> (n - 1 - i)) & 1) for i in range(n)) / n for k in range(d)]
    )

    def call() -> np.ndarray:
        states = expm_multiply(lv, rho0, start=0.0, stop=2.0, num=len(TIMES), endpoint=True)
        return np.array([np.real(np.sum(s.reshape(d, d).diagonal() * zdiag)) for s in states])

    return call


def run(config: dict[str, Any]) -> dict[str, Any]:
    side = int(config["side"])
    n = side * side
    f = povm("tetra")
    bonds = lindbladian(dissipative_xyz(n), f)
    gen = group_blocks(bonds)
    rho0 = np.zeros((2**n, 2**n))
    rho0[0, 0] = 1.0
    p0 = probabilities(rho0, f)
    have_qutip = importlib.util.find_spec("qutip") is not None
    base_name = (
        "qutip.mesolve (atol 1e-9, rtol 1e-7, CSR)"
        if have_qutip
        else "scipy expm_multiply (sparse Liouvillian)"
    )
    baseline = _qutip_route(side) if have_qutip else _scipy_route(side)

    def kry() -> np.ndarray:
        return np.asarray(
            krylov_evolve(gen, p0, times=TIMES, observable=SZ, tol=1e-10).expectations
        )

    def kry_bonds() -> np.ndarray:
        return np.asarray(
            krylov_evolve(bonds, p0, times=TIMES, observable=SZ, tol=1e-10).expectations
        )

    tau = float(config["cn_tau"])
    n_steps = round(2.0 / tau)
    stride = round(0.08 / tau)

    def cn() -> np.ndarray:
        res = trapezoid_evolve(gen, p0, tau=tau, n_steps=n_steps, observable=SZ, tol=1e-12)
        return np.asarray(res.expectations)[::stride]

    fns: dict[str, Callable[[], np.ndarray]] = {
        "baseline": baseline,
        "krylov": kry,
        "krylov_bonds": kry_bonds,
    }
    if config["with_trapezoid"]:
        fns["trapezoid"] = cn
    labels = {
        "krylov": "krylov_evolve (POVM, grouped rows/columns, tol 1e-10)",
        "krylov_bonds": "krylov_evolve (POVM, ungrouped 16x16 bonds, tol 1e-10)",
        "trapezoid": f"trapezoid_evolve (POVM, Crank-Nicolson, tau = {tau})",
    }
    cases = []
    for threads in config["blas_threads"]:
        if threads is not None and importlib.util.find_spec("threadpoolctl") is None:
            continue  # cannot limit the threads: no case rather than a mislabelled one
        with _blas_threads(threads):
            values = {k: fn() for k, fn in fns.items()}  # warm-up (and accuracy)
            times: dict[str, list[float]] = {k: [] for k in fns}
            names = list(fns)
            for r in range(int(config["repeats"])):
                for k in names[r % len(names) :] + names[: r % len(names)]:
                    start = time.perf_counter()
                    fns[k]()
                    times[k].append(time.perf_counter() - start)
        med = {k: statistics.median(v) for k, v in times.items()}
        note = "default BLAS threads" if threads is None else f"{threads} BLAS thread, both sides"
        for key in ("krylov", "krylov_bonds", "trapezoid"):
            if key not in med:
                continue
            err = float(np.max(np.abs(values[key] - values["baseline"])))
            ratio = med[key] / med["baseline"]
            cases.append(
                {
                    "name": f"{labels[key]} {side}x{side} XYZ t=0..2 ({note})",
                    "n": 4**n,
                    "seconds_median": med[key],
                    "baseline": base_name,
                    "baseline_seconds_median": med["baseline"],
                    "ratio": ratio,
                    "goal_ratio": 1.0,
                    "meets_goal": bool(ratio <= 1.0),
                    "max_abs_err_vs_baseline": err,
                    "meets_error_target_1e-6": bool(err <= 1e-6),
                    "repeats": int(config["repeats"]),
                }
            )
    return {"cases": cases, "qutip": "present" if have_qutip else "absent"}


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.bench_main(__file__)
