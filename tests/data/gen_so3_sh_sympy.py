"""Generate tests/data/so3_sh_sympy.json: exact real spherical harmonics from SymPy.

Run from the repository root:  /work/venv/bin/python tests/data/gen_so3_sh_sympy.py

For every degree l <= LMAX, every order m and each of the fixed integer vectors POINTS, the
value of refimpl's real harmonic (z polar, orthonormal, no Condon-Shortley phase) is obtained
from SymPy's complex ``Ynm`` (which carries the Condon-Shortley phase) by the conversion of
spec equivariance.md §1.1:

    Y_{l,0} = Re Ynm(l, 0),  Y_{l,m} = sqrt(2) (-1)^m Re Ynm(l, m),
    Y_{l,-m} = sqrt(2) (-1)^m Im Ynm(l, m)  (m > 0),

expanded symbolically (``expand(func=True)``), evaluated exactly at theta = acos(z/r),
phi = atan2(y, x) (0 on the z axis) and rounded with ``evalf(30)``; values are stored as
decimal strings. The test (tests/so3/test_harmonics.py) only loads this file; a
@pytest.mark.slow test recomputes a few entries with the function below and compares.
"""

from __future__ import annotations

import json
import pathlib
import time

import sympy as sp

LMAX = 8
POINTS = [(1, 2, 2), (0, 0, 1), (0, 0, -3), (3, -4, 0), (-2, 1, 5), (1, -1, -1), (-6, -2, 3)]


def real_sh_sympy(l: int, m: int, point: tuple[int, int, int]) -> sp.Expr:  # noqa: E741
    """Exact refimpl-convention real harmonic Y_{l,m} at ``point`` (integers), via SymPy."""
    theta, phi = sp.symbols("theta phi", real=True)
    x, y, z = (sp.Integer(c) for c in point)
    r = sp.sqrt(x * x + y * y + z * z)
    az = sp.Integer(0) if x == 0 and y == 0 else sp.atan2(y, x)  # poles: any azimuth
    subs = {theta: sp.acos(z / r), phi: az}
    ynm = sp.Ynm(l, abs(m), theta, phi).expand(func=True)
    val = sp.expand_complex(ynm.subs(subs))
    if m == 0:
        return sp.re(val)
    part = sp.re(val) if m > 0 else sp.im(val)
    return sp.sqrt(2) * (-1) ** abs(m) * part


def main() -> None:
    t0 = time.time()
    values = []
    for point in POINTS:
        row = []
        for l in range(LMAX + 1):  # noqa: E741
            for m in range(-l, l + 1):
                row.append(str(sp.N(real_sh_sympy(l, m, point), 30)))
        values.append(row)
    data = {
        "provenance": {
            "generator": "tests/data/gen_so3_sh_sympy.py",
            "command": "/work/venv/bin/python tests/data/gen_so3_sh_sympy.py",
            "sympy_version": sp.__version__,
            "seconds": round(time.time() - t0, 1),
            "convention": "refimpl real SH: z polar, orthonormal, no Condon-Shortley phase, "
            "index l*l + l + m; from sympy.Ynm by spec equivariance.md 1.1",
        },
        "lmax": LMAX,
        "points": [list(p) for p in POINTS],
        "values": values,
    }
    out = pathlib.Path(__file__).with_name("so3_sh_sympy.json")
    out.write_text(json.dumps(data) + "\n")
    print(f"wrote {out} in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
