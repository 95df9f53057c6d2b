"""Generate ``so3_cg_gaunt_sympy.json``: exact SymPy values for the coupling tests.

Run from the repository root (takes several minutes: ``real_gaunt`` is slow)::

    python tests/data/gen_so3_cg_gaunt_sympy.py

Contents (values are ``float(sympy_exact)``, i.e. the exact value correctly rounded):

* ``wigner_3j``: every entry ``[l1, l2, l3, m1, m2, m3, value]`` with ``m1 + m2 + m3 = 0``
  and a non-zero value, for all triples with degrees <= 4 satisfying the triangle rule, and
  for the ``random_triples`` (degrees <= 8);
* ``clebsch_gordan``: SymPy's ``clebsch_gordan(l1, l2, l3, m1, m2, m3)`` (complex basis,
  Condon-Shortley), non-zero entries, same triples;
* ``real_gaunt``: SymPy's ``real_gaunt(l1, l2, l3, m1, m2, m3)`` for the sorted triples
  ``l1 <= l2 <= l3 <= 4`` and the ``random_gaunt_triples`` (the first four random triples
  with an even degree sum): every ``(m1, m2, m3)`` evaluated, the non-zero ones stored, so a
  listed block's absent entries are exactly zero.
"""

from __future__ import annotations

import itertools
import json
import pathlib
import time

import numpy as np
import sympy
from sympy.physics.wigner import clebsch_gordan, real_gaunt, wigner_3j

OUT = pathlib.Path(__file__).with_name("so3_cg_gaunt_sympy.json")
SEED = 20240116
LMAX_ALL = 4
LMAX_RANDOM = 8


def _triangle(l1: int, l2: int, l3: int) -> bool:
    return abs(l1 - l2) <= l3 <= l1 + l2


def main() -> None:
    t0 = time.perf_counter()
    rng = np.random.default_rng(SEED)
    all_triples = [t for t in itertools.product(range(LMAX_ALL + 1), repeat=3) if _triangle(*t)]
    random_triples: list[tuple[int, int, int]] = []
    while len(random_triples) < 10:
        t = tuple(int(v) for v in rng.integers(0, LMAX_RANDOM + 1, size=3))
        if _triangle(*t) and max(t) > LMAX_ALL and t not in random_triples:
            random_triples.append(t)  # type: ignore[arg-type]
    w3j, cg = [], []
    for l1, l2, l3 in all_triples + random_triples:
        for m1 in range(-l1, l1 + 1):
            for m2 in range(-l2, l2 + 1):
                m3 = -m1 - m2
                if abs(m3) <= l3:
                    v = wigner_3j(l1, l2, l3, m1, m2, m3)
                    if v != 0:
                        w3j.append([l1, l2, l3, m1, m2, m3, float(v)])
                if abs(m1 + m2) <= l3:
                    v = clebsch_gordan(l1, l2, l3, m1, m2, m1 + m2)
                    if v != 0:
                        cg.append([l1, l2, l3, m1, m2, m1 + m2, float(v)])
    gaunt = []
    sorted_triples = [t for t in all_triples if t[0] <= t[1] <= t[2]]
    for l1, l2, l3 in sorted_triples:
        for m1, m2, m3 in itertools.product(
            range(-l1, l1 + 1), range(-l2, l2 + 1), range(-l3, l3 + 1)
        ):
            v = real_gaunt(l1, l2, l3, m1, m2, m3)
            if v != 0:
                gaunt.append([l1, l2, l3, m1, m2, m3, float(v)])
    random_gaunt_triples = [t for t in random_triples if sum(t) % 2 == 0][:4]
    for l1, l2, l3 in random_gaunt_triples:
        for m1, m2, m3 in itertools.product(
            range(-l1, l1 + 1), range(-l2, l2 + 1), range(-l3, l3 + 1)
        ):
            v = real_gaunt(l1, l2, l3, m1, m2, m3)
            if v != 0:
                gaunt.append([l1, l2, l3, m1, m2, m3, float(v)])
    data = {
        "provenance": {
            "generator": "tests/data/gen_so3_cg_gaunt_sympy.py",
            "command": "python tests/data/gen_so3_cg_gaunt_sympy.py",
            "sympy": sympy.__version__,
            "seed": SEED,
            "seconds": round(time.perf_counter() - t0, 1),
        },
        "lmax_all": LMAX_ALL,
        "random_triples": [list(t) for t in random_triples],
        "wigner_3j": w3j,
        "clebsch_gordan": cg,
        "real_gaunt_sorted_triples": [list(t) for t in sorted_triples],
        "real_gaunt": gaunt,
        "random_gaunt_triples": [list(t) for t in random_gaunt_triples],
    }
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
