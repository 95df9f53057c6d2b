"""The validation runner: every installed paper's quick config, and the runner's own contract.

The first group runs each installed ``refimpl.validation.<paper>`` in quick mode and fails on a
failed high-confidence claim. The rest drives ``refimpl validate`` on tiny fake papers written
into a temporary ``--root``: exit codes follow the verdicts, reports are complete, and an
interrupted run never leaves a half-written output folder.
"""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import pytest

from refimpl import _report, _validate, cli

pytestmark = pytest.mark.validation

INSTALLED = _validate.discover()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------------------
# the installed papers
# --------------------------------------------------------------------------------------
def test_installed_package_has_papers():
    # claims.toml is package data: a wheel without it would silently validate nothing
    assert INSTALLED, f"no paper folders found in {_validate.default_root()}"


@pytest.mark.parametrize("name", sorted(INSTALLED))
def test_installed_claims_parse(name):
    paper, claims = _validate.load_claims(INSTALLED[name].claims_file)
    assert paper
    assert any("quick" in c.modes for c in claims), "quick mode must check at least one claim"


#: run by default (a few seconds); every other paper's quick validation (10-35 s each) runs
#: with ``--full`` and, from a plain install, in CI's ``refimpl validate --quick`` step
DEFAULT_QUICK = {"gaunt", "hilbert_kk"}


@pytest.mark.parametrize(
    "name",
    [
        n if n in DEFAULT_QUICK else pytest.param(n, marks=pytest.mark.slow)
        for n in sorted(INSTALLED)
    ],
)
def test_installed_paper_quick(name, tmp_path):
    res = _validate.run_paper(INSTALLED[name], mode="quick", seed=0, figures_dir=tmp_path)
    assert res.error is None, f"{name}: {res.error}\n{res.traceback}"
    checked = [r for r in res.claims if r.verdict != "skipped"]
    assert checked, f"{name}: no claim checked in quick mode"
    unmeasured = [f"{r.claim.id}: {r.note}" for r in checked if r.measured is None]
    assert not unmeasured, f"{name}: claims without a measurement: {unmeasured}"
    failed = [
        f"{r.claim.id} ({r.claim.source}): measured {r.measured}, expected "
        f"{r.claim.expected} {r.claim.tolerance_text()}; {r.note}"
        for r in res.claims
        if r.verdict == "FAIL"
    ]
    assert not failed, f"{name}: high-confidence claims fail: {failed}"
    for fig in res.figures:
        assert (tmp_path / fig).read_bytes()[:8] == PNG_MAGIC


# --------------------------------------------------------------------------------------
# fake papers
# --------------------------------------------------------------------------------------
PLOT = """
def plot(result, outdir):
    from refimpl.validation import _common

    with _common.plot_style() as plt:
        fig, ax = plt.subplots()
        ax.plot([0.0, 1.0], [0.0, 1.0])
        path = outdir / "{name}-line.png"
        fig.savefig(path)
        plt.close(fig)
    return [path]
"""


def make_paper(
    root: Path,
    name: str,
    run_body: str,
    claims: str,
    *,
    plot: str | None = PLOT,
    quick: str = "{'n': 4}",
    full: str = "{'n': 8}",
) -> Path:
    """Write ``root/name/{reproduce.py,claims.toml}``; ``run_body`` is run()'s body."""
    folder = root / name
    folder.mkdir(parents=True)
    src = f"QUICK = {quick}\nFULL = {full}\n\n\ndef run(config):\n"
    src += textwrap.indent(textwrap.dedent(run_body).strip(), "    ") + "\n"
    if plot:
        src += plot.format(name=name)
    src += (
        "\n\nif __name__ == '__main__':\n    from refimpl.validation import _common\n\n"
        f"    _common.main(run, quick=QUICK, full=FULL, plot={'plot' if plot else None}, "
        f"name={name!r})\n"
    )
    (folder / "reproduce.py").write_text(src)
    (folder / "claims.toml").write_text(
        f'paper = "Fake et al., {name}, arXiv:0000.00000"\n' + textwrap.dedent(claims)
    )
    return folder


def claim(
    id: str,
    quantity: str,
    expected: float,
    *,
    tol: str = "{ atol = 0.1 }",
    confidence: str = "high",
    modes: str = '["quick", "full"]',
    explanation: str = "",
) -> str:
    text = (
        f'\n[[claim]]\nid = "{id}"\nsource = "Eq. ({id})"\nquantity = "{quantity}"\n'
        f'expected = {expected!r}\ntolerance = {tol}\nconfidence = "{confidence}"\n'
        f"modes = {modes}\n"
    )
    return text + (f'explanation = "{explanation}"\n' if explanation else "")


def validate(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.fixture
def root(tmp_path):
    r = tmp_path / "papers"
    r.mkdir()
    return r


# --------------------------------------------------------------------------------------
# exit codes, verdicts and the report
# --------------------------------------------------------------------------------------
def test_failing_high_claim_exits_1_and_writes_report(root, tmp_path, capsys):
    make_paper(
        root,
        "demo",
        "return {'value': 2.0, 'ok': 1.0}",
        claim("wrong", "value", 1.0) + claim("right", "ok", 1.0),
    )
    out = tmp_path / "out"
    code, stdout, stderr = validate(capsys, "--root", str(root), "--out", str(out))
    assert code == 1
    assert "[1/1] demo" in stderr
    assert "exit code 1" in stderr
    lines = {ln.split()[1]: ln for ln in stdout.splitlines() if ln.startswith("demo")}
    assert lines["wrong"].split()[-1] == "FAIL"
    assert lines["right"].split()[-1] == "pass"
    assert stdout.splitlines()[0].split() == list(_validate.HEADERS)
    assert (out / "demo-line.png").read_bytes()[:8] == PNG_MAGIC
    report = (out / "report.md").read_text()
    assert "| demo | wrong | Eq. (wrong) | 1 ± 0.1 | 2 | FAIL |" in report
    assert "exit code 1" in report
    assert "## Environment" in report
    results = json.loads((out / "results.json").read_text())
    assert results["exit_code"] == 1
    assert results["seed"] == 0
    assert results["mode"] == "quick"
    assert results["environment"]["packages"]["numpy"]
    (paper,) = results["papers"]
    assert paper["config"] == {"n": 4, "seed": 0}
    assert paper["figures"] == ["demo-line.png"]
    assert {c["id"]: c["verdict"] for c in paper["claims"]} == {"wrong": "FAIL", "right": "pass"}
    per_paper = json.loads((out / "demo.json").read_text())
    assert per_paper["claims"] == paper["claims"]
    assert per_paper["result"] == {"value": 2.0, "ok": 1.0}
    assert "result" not in paper  # results.json stays small; the result is in demo.json
    assert not leftovers(out)


def test_medium_and_low_misses_deviate_with_exit_0(root, tmp_path, capsys):
    make_paper(
        root,
        "demo",
        "return {'a': 2.0, 'b': 3.0, 'c': 1.0}",
        claim("med", "a", 1.0, confidence="medium", explanation="read off Figure 3")
        + claim("low", "b", 1.0, confidence="low", explanation="only qualitative")
        + claim("exact", "c", 1.0),
    )
    out = tmp_path / "out"
    code, stdout, _ = validate(capsys, "--root", str(root), "--out", str(out))
    assert code == 0
    verdicts = {
        ln.split()[1]: ln.split()[-1] for ln in stdout.splitlines() if ln.startswith("demo")
    }
    assert verdicts == {"med": "deviates", "low": "deviates", "exact": "pass"}
    report = (out / "report.md").read_text()
    assert "Explanation: read off Figure 3" in report
    assert "Explanation: only qualitative" in report


def test_run_that_raises_fails_its_high_claims_and_the_others_still_run(root, tmp_path, capsys):
    make_paper(
        root,
        "a_broken",
        "raise ValueError('boom')",
        claim("x", "x", 1.0) + claim("y", "y", 1.0, confidence="medium"),
    )
    make_paper(root, "b_fine", "return {'x': 1.0}", claim("x", "x", 1.0), plot=None)
    out = tmp_path / "out"
    code, _, stderr = validate(capsys, "--root", str(root), "--out", str(out))
    assert code == 1
    assert "error: a_broken: ValueError: boom" in stderr
    results = json.loads((out / "results.json").read_text())
    broken, fine = results["papers"]
    assert broken["error"] == "ValueError: boom"
    assert "raise ValueError('boom')" in broken["traceback"]
    assert [c["verdict"] for c in broken["claims"]] == ["FAIL", "deviates"]
    assert [c["verdict"] for c in fine["claims"]] == ["pass"]
    assert "ValueError: boom" in (out / "report.md").read_text()


def test_only_medium_claims_but_run_raises_still_exits_1(root, capsys):
    make_paper(
        root, "demo", "raise RuntimeError('no')", claim("m", "m", 1.0, confidence="low"), plot=None
    )
    code, _, _ = validate(capsys, "--root", str(root), "--out", str(root.parent / "out"))
    assert code == 1


@pytest.mark.parametrize(
    ("body", "note"),
    [
        ("return {'other': 1.0}", "missing from run()'s result"),
        ("return {'x': float('nan')}", "not finite"),
        ("return {'x': float('inf')}", "not finite"),
        ("return {'x': 'one'}", "must be a real number"),
        ("return {'x': True}", "must be a real number"),
    ],
)
def test_missing_or_non_finite_quantity(root, tmp_path, capsys, body, note):
    make_paper(
        root,
        "demo",
        body,
        claim("hi", "x", 1.0) + claim("md", "x", 1.0, confidence="medium"),
        plot=None,
    )
    out = tmp_path / "out"
    code, _, _ = validate(capsys, "--root", str(root), "--out", str(out))
    assert code == 1
    claims = json.loads((out / "results.json").read_text())["papers"][0]["claims"]
    assert [c["verdict"] for c in claims] == ["FAIL", "deviates"]
    assert all(note in c["note"] for c in claims)


def test_parts_marked_skipped_skip_their_claims(root, tmp_path, capsys):
    # a part of the result that needs an optional dependency says so with a "skipped" status:
    # its claims are skipped (never passed, never failed), the others are checked as usual
    make_paper(
        root,
        "demo",
        "return {'exact': {'x': 1.0}, 'variational': {'status': 'skipped: torch is absent'}}",
        claim("hi", "exact.x", 1.0)
        + claim("var-hi", "variational.n4.err", 0.0)
        + claim("var-md", "variational.err", 0.0, confidence="medium")
        + claim("bad", "exact.y", 1.0),
        plot=None,
    )
    out = tmp_path / "out"
    code, _, _ = validate(capsys, "--root", str(root), "--out", str(out))
    assert code == 1  # "bad" is missing from a part that was not skipped: a high FAIL
    claims = json.loads((out / "results.json").read_text())["papers"][0]["claims"]
    verdicts = {c["id"]: c["verdict"] for c in claims}
    assert verdicts == {"hi": "pass", "var-hi": "skipped", "var-md": "skipped", "bad": "FAIL"}
    notes = {c["id"]: c["note"] for c in claims}
    assert "torch is absent" in notes["var-hi"]


def test_dotted_quantities_and_modes(root, tmp_path, capsys):
    make_paper(
        root,
        "demo",
        "return {'fit': {'slopes': [-1.0, -2.0 * config['n'] / 4]}}",
        claim("first", "fit.slopes.0", -1.0)
        + claim("second", "fit.slopes.1", -2.0, modes='["quick"]')
        + claim("full-only", "fit.slopes.1", -4.0, modes='["full"]'),
        plot=None,
    )
    out = tmp_path / "out"
    code, stdout, _ = validate(capsys, "--root", str(root), "--out", str(out))
    assert code == 0
    verdicts = {
        ln.split()[1]: ln.split()[-1] for ln in stdout.splitlines() if ln.startswith("demo")
    }
    assert verdicts == {"first": "pass", "second": "pass", "full-only": "skipped"}
    code, stdout, _ = validate(capsys, "--full", "--root", str(root), "--out", str(out))
    assert code == 0
    verdicts = {
        ln.split()[1]: ln.split()[-1] for ln in stdout.splitlines() if ln.startswith("demo")
    }
    assert verdicts == {"first": "pass", "second": "skipped", "full-only": "pass"}
    assert json.loads((out / "results.json").read_text())["papers"][0]["config"]["n"] == 8


def test_seed_reaches_run(root, tmp_path, capsys):
    make_paper(
        root,
        "demo",
        "return {'seed': config['seed']}",
        claim("seed", "seed", 7.0, tol="{ atol = 0 }"),
        plot=None,
    )
    out = tmp_path / "out"
    assert validate(capsys, "--root", str(root), "--out", str(out), "--seed", "7")[0] == 0
    assert validate(capsys, "--root", str(root), "--out", str(out))[0] == 1


def test_run_may_not_mutate_the_module_config(root, tmp_path, capsys):
    make_paper(
        root,
        "demo",
        "config['opts']['k'] += 1\nreturn {'k': config['opts']['k']}",
        claim("k", "k", 2.0, tol="{ atol = 0 }"),
        plot=None,
        quick="{'n': 4, 'opts': {'k': 1}}",
    )
    out = tmp_path / "out"
    for _ in range(2):  # the second run would see k = 2 if QUICK had been mutated
        assert validate(capsys, "--root", str(root), "--out", str(out))[0] == 0
        config = json.loads((out / "results.json").read_text())["papers"][0]["config"]
        assert config == {"n": 4, "opts": {"k": 1}, "seed": 0}  # recorded as given to run()


def test_configs_are_deep_copies_in_process(root):
    # in one process (the installed package, _common.main) the module dicts are reused
    quick = {"n": 4, "opts": {"k": 1}}

    def run(config):
        config["opts"]["k"] += 1
        return {"k": config["opts"]["k"]}

    repro = _validate.Reproduction(run=run, quick=quick, full={})
    config = repro.config("quick")
    config["opts"]["k"] = 5
    assert quick == {"n": 4, "opts": {"k": 1}}
    folder = root / "demo"
    folder.mkdir()
    (folder / "claims.toml").write_text('paper = "P"\n' + claim("k", "k", 2.0, tol="{ atol = 0 }"))
    paper = _validate.Paper(name="demo", folder=folder, reproduction=repro)
    for _ in range(2):
        res = _validate.run_paper(paper, mode="quick")
        assert [r.verdict for r in res.claims] == ["pass"]
        assert res.config == {"n": 4, "opts": {"k": 1}, "seed": 0}
    assert quick == {"n": 4, "opts": {"k": 1}}


def test_only_selects_and_unknown_names_exit_2(root, tmp_path, capsys):
    make_paper(root, "alpha", "return {'x': 1.0}", claim("x", "x", 1.0), plot=None)
    make_paper(root, "beta", "return {'x': 5.0}", claim("x", "x", 1.0), plot=None)
    out = tmp_path / "out"
    code, stdout, _ = validate(capsys, "--root", str(root), "--out", str(out), "--only", "alpha")
    assert code == 0
    assert "beta" not in stdout
    assert [p["paper"] for p in json.loads((out / "results.json").read_text())["papers"]] == [
        "alpha"
    ]
    before = snapshot(out)
    code, _, stderr = validate(
        capsys, "--root", str(root), "--out", str(out), "--only", "alpha", "nope"
    )
    assert code == 2
    assert "unknown papers 'nope'" in stderr
    assert "known: alpha, beta" in stderr
    assert snapshot(out) == before


def test_usage_errors_exit_2(root, tmp_path, capsys):
    assert validate(capsys, "--quick", "--full")[0] == 2
    assert validate(capsys, "--seed", "-1")[0] == 2
    assert validate(capsys, "--root", str(tmp_path / "missing"))[0] == 2
    code, _, stderr = validate(capsys, "--root", str(root))  # exists, but holds no paper
    assert code == 2
    assert "no papers" in stderr


def test_non_json_result_and_bad_figures_are_errors(root, tmp_path, capsys):
    make_paper(
        root,
        "a_json",
        "return {'x': 1.0, 'bad': {'obj': object()}}",
        claim("x", "x", 1.0),
        plot=None,
    )
    make_paper(
        root,
        "b_plot",
        "return {'x': 1.0}",
        claim("x", "x", 1.0),
        plot=PLOT.replace("{name}-line.png", "wrongname.png"),
    )
    make_paper(root, "c_notdict", "return [1.0]", claim("x", "x", 1.0), plot=None)
    out = tmp_path / "out"
    code, _, _ = validate(capsys, "--root", str(root), "--out", str(out))
    assert code == 1
    errors = {
        p["paper"]: p["error"] for p in json.loads((out / "results.json").read_text())["papers"]
    }
    assert "JSON-safe" in errors["a_json"]
    assert "'result.bad.obj'" in errors["a_json"]
    assert errors["b_plot"].startswith("plot() failed")
    assert "'b_plot-<figure>.png'" in errors["b_plot"]
    assert "must return a dict" in errors["c_notdict"]


def test_malformed_claims_file_is_a_paper_error(root, tmp_path, capsys):
    make_paper(
        root,
        "demo",
        "return {'x': 1.0}",
        claim("x", "x", 1.0).replace("tolerance", "tolerence"),
        plot=None,
    )
    out = tmp_path / "out"
    code, _, stderr = validate(capsys, "--root", str(root), "--out", str(out))
    assert code == 1
    assert "tolerence" in stderr
    assert "ERROR" in (out / "report.md").read_text()


# --------------------------------------------------------------------------------------
# atomic output
# --------------------------------------------------------------------------------------
def test_interrupted_run_leaves_no_half_report(root, tmp_path, capsys):
    make_paper(root, "a_first", "return {'x': 1.0}", claim("x", "x", 1.0))
    make_paper(root, "b_ctrl_c", "raise KeyboardInterrupt", claim("x", "x", 1.0))
    out = tmp_path / "out"
    # no previous report: nothing may appear (a_first's JSON and PNG were already written)
    code, _, stderr = validate(capsys, "--root", str(root), "--out", str(out))
    assert code == 130
    assert "interrupted" in stderr
    assert not out.exists()
    assert not leftovers(out)
    # a previous report survives byte for byte
    code, _, _ = validate(capsys, "--root", str(root), "--out", str(out), "--only", "a_first")
    assert code == 0
    before = snapshot(out)
    assert {"report.md", "results.json", "a_first.json", "a_first-line.png"} <= set(before)
    code, _, _ = validate(capsys, "--root", str(root), "--out", str(out))
    assert code == 130
    assert snapshot(out) == before
    assert not leftovers(out)


def test_interrupt_while_writing_the_report(root, tmp_path, capsys, monkeypatch):
    make_paper(root, "demo", "return {'x': 1.0}", claim("x", "x", 1.0), plot=None)
    out = tmp_path / "out"
    assert validate(capsys, "--root", str(root), "--out", str(out))[0] == 0
    before = snapshot(out)

    def interrupted(report):
        raise KeyboardInterrupt

    monkeypatch.setattr(_validate, "report_markdown", interrupted)
    assert validate(capsys, "--root", str(root), "--out", str(out), "--seed", "3")[0] == 130
    assert snapshot(out) == before
    assert not leftovers(out)


def test_replaces_its_own_report_but_never_a_foreign_folder(root, tmp_path, capsys):
    make_paper(root, "alpha", "return {'x': 1.0}", claim("x", "x", 1.0), plot=None)
    make_paper(root, "beta", "return {'x': 1.0}", claim("x", "x", 1.0), plot=None)
    out = tmp_path / "out"
    assert validate(capsys, "--root", str(root), "--out", str(out))[0] == 0
    assert (out / "beta.json").exists()
    assert validate(capsys, "--root", str(root), "--out", str(out), "--only", "alpha")[0] == 0
    assert not (out / "beta.json").exists()  # the old report is replaced, not merged
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    code, _, stderr = validate(capsys, "--root", str(root), "--out", str(foreign))
    assert code == 2
    assert "refusing to replace" in stderr
    assert snapshot(foreign) == {"thesis.tex": b"precious"}
    code, _, stderr = validate(capsys, "--root", str(root), "--out", str(foreign / "thesis.tex"))
    assert code == 2
    assert "not a directory" in stderr


def test_out_may_not_contain_the_working_directory(root, tmp_path, capsys, monkeypatch):
    make_paper(root, "demo", "return {'x': 1.0}", claim("x", "x", 1.0), plot=None)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, _, stderr = validate(capsys, "--root", str(root), "--out", ".")
    assert code == 2
    assert "current directory" in stderr
    assert work.is_dir()


# --------------------------------------------------------------------------------------
# verdict arithmetic, claims schema
# --------------------------------------------------------------------------------------
# expected, atol, rtol: binary-exact, so the boundary expected ± (atol + rtol*|expected|) is a
# double; one ulp beyond it must miss even where the float subtraction would round back onto it
# (1.0 - nextafter(0.5, 0) == 0.5 in floating point)
BOUNDARY = [
    (1.0, 0.5, 0.0),
    (2.0, 0.0, 0.25),
    (-4.0, 0.25, 0.125),
    (0.0, 2.0**-20, 0.5),
    (1e6, 0.0, 2.0**-30),
]


@pytest.mark.parametrize(("expected", "atol", "rtol"), BOUNDARY)
def test_verdict_boundary_is_exact(expected, atol, rtol):
    bound = atol + rtol * abs(expected)
    for confidence, miss in (("high", "FAIL"), ("medium", "deviates"), ("low", "deviates")):
        c = _validate.Claim(
            id="c",
            source="s",
            quantity="q",
            expected=expected,
            atol=atol,
            rtol=rtol,
            confidence=confidence,
        )
        assert c.bound == bound
        for sign in (1.0, -1.0):
            edge = expected + sign * bound
            beyond = math.nextafter(edge, sign * math.inf)
            inside = math.nextafter(edge, -sign * math.inf)
            for measured, verdict in ((edge, "pass"), (inside, "pass"), (beyond, miss)):
                got = _validate.check_claim(c, {"q": measured}, mode="quick")
                assert got.verdict == verdict, (measured, c)
                assert got.measured == measured


def test_verdict_boundary_end_to_end(root, tmp_path, capsys):
    beyond = math.nextafter(2.5, 3.0)
    make_paper(
        root,
        "demo",
        f"return {{'edge': 2.5, 'beyond': {beyond!r}}}",
        claim("edge", "edge", 2.0, tol="{ rtol = 0.25 }")
        + claim("beyond", "beyond", 2.0, tol="{ rtol = 0.25 }"),
        plot=None,
    )
    code, stdout, _ = validate(capsys, "--root", str(root), "--out", str(tmp_path / "out"))
    assert code == 1
    verdicts = {
        ln.split()[1]: ln.split()[-1] for ln in stdout.splitlines() if ln.startswith("demo")
    }
    assert verdicts == {"edge": "pass", "beyond": "FAIL"}


GOOD = {
    "id": '"a"',
    "source": '"Eq. 1"',
    "quantity": '"x"',
    "expected": "1.0",
    "tolerance": "{ atol = 0.1 }",
    "confidence": '"high"',
    "modes": '["quick"]',
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tolerence": "{ atol = 0.1 }"}, "tolerence"),
        ({"tolerance": None}, "'tolerance' must be a table"),
        ({"tolerance": "{ atol = -0.1 }"}, "tolerance.atol must be a finite number >= 0"),
        ({"tolerance": "{ btol = 0.1 }"}, "'tolerance' must be a table"),
        ({"confidence": '"certain"'}, "'confidence' must be one of"),
        ({"expected": '"one"'}, "'expected' must be a finite number"),
        ({"expected": "nan"}, "'expected' must be a finite number"),
        ({"expected": None}, "'expected' must be a finite number"),
        ({"modes": '["fast"]'}, "'modes' must be a non-empty list"),
        ({"modes": "[]"}, "'modes' must be a non-empty list"),
        ({"quantity": '""'}, "'quantity' must be a non-empty string"),
    ],
)
def test_claims_schema_errors_name_the_field(tmp_path, change, message):
    fields = {**GOOD, **change}
    body = "".join(f"{k} = {v}\n" for k, v in fields.items() if v is not None)
    path = tmp_path / "claims.toml"
    path.write_text(f'paper = "P"\n[[claim]]\n{body}')
    with pytest.raises(_validate.ClaimsError, match=r"claims\.toml") as info:
        _validate.load_claims(path)
    assert message in str(info.value)
    good = "".join(f"{k} = {v}\n" for k, v in GOOD.items())
    path.write_text(f'paper = "P"\n[[claim]]\n{good}')
    assert _validate.load_claims(path)[1][0].id == "a"  # the unchanged file is fine


def test_claims_file_level_errors(tmp_path):
    path = tmp_path / "claims.toml"
    one = "".join(f"{k} = {v}\n" for k, v in GOOD.items())
    for text, message in [
        ("", "'paper' must be"),
        ('paper = "P"\n', "[[claim]] must be"),
        (f'paper = "P"\n[[claim]]\n{one}[[claim]]\n{one}', "unique"),
        ('paper = "P"\nextra = 1\n', "only 'paper'"),
        ("paper = ", "cannot read"),
    ]:
        path.write_text(text)
        with pytest.raises(_validate.ClaimsError, match=r"claims\.toml") as info:
            _validate.load_claims(path)
        assert message in str(info.value), text


# --------------------------------------------------------------------------------------
# progress, budget warning, index, script entry
# --------------------------------------------------------------------------------------
def test_slow_paper_warning(root, tmp_path, capsys, monkeypatch):
    make_paper(root, "demo", "return {'x': 1.0}", claim("x", "x", 1.0), plot=None)
    monkeypatch.setattr(_validate, "SLOW_PAPER_SECONDS", 0.0)
    _, _, stderr = validate(capsys, "--root", str(root), "--out", str(tmp_path / "o"))
    assert "warning: demo took" in stderr
    _, _, stderr = validate(capsys, "--full", "--root", str(root), "--out", str(tmp_path / "o"))
    assert "took" not in stderr  # the budget is for quick mode


class FakeTTY:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return True


def test_live_progress_on_a_tty():
    import time

    plain, auto = FakeTTY(), FakeTTY()
    for stream, progress in [
        (plain, _report._PlainProgress(plain, 2, live=True)),
        (auto, _validate.make_progress(auto, 2)),
    ]:  # rich if installed
        progress.start(1, "demo")
        time.sleep(0.5)
        progress.finish("[1/2] demo: done")
        progress.close()
        before, _, _ = stream.text.partition("[1/2] demo: done")
        assert "demo" in before  # the live display showed the running paper first
    assert "demo: running" in plain.text


def test_write_index(root, tmp_path, capsys):
    make_paper(root, "demo", "return {'x': 1.0}", claim("x", "x", 1.0), plot=None)
    index = tmp_path / "README.md"
    code, _, _ = validate(
        capsys, "--root", str(root), "--out", str(tmp_path / "o"), "--write-index", str(index)
    )
    assert code == 0
    text = index.read_text()
    assert "| paper | claim | script | last verdict |" in text
    row = "| [demo](demo/README.md) | x (Eq. (x)) | [reproduce.py](demo/reproduce.py) | pass"
    assert row in text
    assert (
        validate(capsys, "--root", str(root), "--write-index", str(index), "--only", "demo")[0] == 2
    )


def test_common_main_runs_one_paper(root, tmp_path, capsys):
    folder = make_paper(
        root,
        "demo",
        "return {'seed': config['seed']}",
        claim("seed", "seed", 7.0, tol="{ atol = 0 }"),
    )
    repro = _validate.load_reproduction(folder / "reproduce.py")
    from refimpl.validation import _common

    out = tmp_path / "out"
    for seed, expected_code in (("7", 0), ("0", 1)):
        with pytest.raises(SystemExit) as info:
            _common.main(
                repro.run,
                quick=repro.quick,
                full=repro.full,
                plot=repro.plot,
                name="demo",
                argv=["--seed", seed, "--out", str(out)],
            )
        assert info.value.code == expected_code
        assert (out / "demo-line.png").is_file()
        assert json.loads((out / "demo.json").read_text())["seed"] == int(seed)


def test_reproduce_py_as_a_script(root, tmp_path):
    import subprocess
    import sys

    folder = make_paper(root, "demo", "return {'x': 2.0}", claim("x", "x", 1.0), plot=None)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(folder / "reproduce.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "FAIL" in proc.stdout
    assert (out / "report.md").is_file()
