r"""Autoregressive transformer over POVM outcomes, string states and variational costs.

The model (spec ``scientific.md`` §5.1.6; official defaults: 1 layer, 1 head, hidden 32,
feed-forward 16, GELU, 4 outcomes) factorises a distribution over outcome strings
:math:`\mathbf a \in \{0,1,2,3\}^N` as :math:`P(\mathbf a) = \prod_i P(a_i \mid a_{<i})`: the
input at position i is the embedding of :math:`a_{i-1}` (a start token 4 at i = 0) plus a
learned position embedding; each layer is a pre-norm residual block of causal self-attention
and a GELU feed-forward network; a final layer norm and a linear map give 4 logits per site, and
a softmax the conditionals. Normalisation is exact by construction and samples are exact
(ancestral sampling, one pass per site).

**String states** average the model over site orderings :math:`\pi_s`:
:math:`P(\mathbf a) = \frac1{|S|}\sum_s P_{AR}(a_{\pi_s(0)}, \dots, a_{\pi_s(N-1)})`
(1D: every start site and both directions; 2D L x L: boustrophedon snakes, horizontal and
vertical, from the 4 corners). A 1D mixture over all start sites is exactly invariant under
cyclic shifts of the sites.

**Costs** (importance sampled with samples from the model itself): the steady-state cost
:math:`\|\mathbb L P_\theta\|_1 = E_{a\sim P_\theta}|(\mathbb LP_\theta)(a)|/P_\theta(a)` and
the trapezoid (Crank-Nicolson) residual cost :math:`\|(1-\frac\tau2\mathbb L)P_\theta -
(1+\frac\tau2\mathbb L)P_{\theta'}\|_1`. :math:`(\mathbb L P)(\mathbf a)` is evaluated locally:
each block on sites S needs the model at the :math:`4^{|S|}` configurations that differ from
:math:`\mathbf a` on S. The returned estimate is differentiable: under torch the denominator
is detached, so its gradient is the unbiased gradient of the L1 norm.

Everything is written against the Array API: parameters are arrays in one namespace; with
torch tensors that require grad, the same code is trained by torch autograd.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import array_api_compat as compat
import numpy as np

from refimpl import _xp
from refimpl.quantum.lindblad import LocalLindbladian, apply_lindbladian
from refimpl.quantum.povms import _real_dtype

__all__ = [
    "EvolveResult",
    "TrainResult",
    "TransformerModel",
    "conditional_log_probs",
    "init_product_state",
    "init_transformer",
    "local_generator_values",
    "log_prob",
    "sample",
    "steady_state_cost",
    "string_log_prob",
    "string_orderings",
    "string_sample",
    "train_steady_state",
    "trapezoid_cost",
    "variational_evolve",
]

Array = Any
_LN_EPS = 1e-5  # layer-norm epsilon (PyTorch's default; a model constant, not a tolerance)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TransformerModel:
    """An autoregressive transformer over N sites with 4 outcomes per site.

    Attributes
    ----------
    n_sites : int
    n_heads : int
    n_layers : int
    params : dict of str to array
        All weights (one namespace, device and real dtype); see :func:`init_transformer`.

    Notes
    -----
    Replace weights with ``dataclasses.replace(model, params=new)``. Under torch, mark the
    tensors with ``requires_grad_()`` to train through :func:`log_prob` and the costs.
    """

    n_sites: int
    n_heads: int
    n_layers: int
    params: dict[str, Array]


def init_transformer(
    n_sites: int,
    /,
    *,
    d_model: int = 32,
    d_ff: int = 16,
    n_heads: int = 1,
    n_layers: int = 1,
    rng: Any = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> TransformerModel:
    r"""A randomly initialised transformer (weights drawn on the host, then moved).

    Parameters
    ----------
    n_sites : int
        Sequence length N >= 1.
    d_model, d_ff, n_heads, n_layers : int
        Hidden width (divisible by ``n_heads``), feed-forward width, heads and layers;
        defaults are the official code's (32, 16, 1, 1).
    rng : numpy.random.Generator, int or None
        Host random generator or seed.
    xp, dtype, device
        Namespace, real dtype and device of the weights.

    Returns
    -------
    TransformerModel

    Raises
    ------
    ValueError
        If a size is not a positive integer or ``d_model % n_heads != 0``.

    Notes
    -----
    Weights: normal with standard deviation ``1/sqrt(fan_in)``; embeddings standard normal
    scaled by 0.5; layer-norm gains 1, biases 0.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580 (v4: autoregressive transformer), spec §5.1.6.
    .. [2] A. Vaswani et al., "Attention is all you need", arXiv:1706.03762.

    Examples
    --------
    >>> from refimpl.quantum import init_transformer
    >>> m = init_transformer(4, rng=0)
    >>> m.params["embed"].shape, m.params["wout"].shape
    ((5, 32), (32, 4))
    """
    n = _xp.positive_int(n_sites, name="n_sites")
    d = _xp.positive_int(d_model, name="d_model")
    f = _xp.positive_int(d_ff, name="d_ff")
    h = _xp.positive_int(n_heads, name="n_heads")
    layers = _xp.positive_int(n_layers, name="n_layers")
    if d % h:
        msg = f"d_model must be divisible by n_heads = {h}; got {d}"
        raise ValueError(msg)
    gen = _xp.rng(rng)
    xp = _xp.creation_namespace(xp)
    dtype = _real_dtype(xp, dtype, device)

    def normal(shape: tuple[int, ...], scale: float) -> Array:
        return _xp.from_host(scale * gen.standard_normal(shape), xp=xp, dtype=dtype, device=device)

    def const(shape: tuple[int, ...], value: float) -> Array:
        return xp.full(shape, value, dtype=dtype, device=device)

    p: dict[str, Array] = {"embed": normal((5, d), 0.5), "pos": normal((n, d), 0.5)}
    for layer in range(layers):
        k = f"l{layer}."
        p[k + "ln1.g"], p[k + "ln1.b"] = const((d,), 1.0), const((d,), 0.0)
        for name in ("wq", "wk", "wv", "wo"):
            p[k + name] = normal((d, d), 1 / math.sqrt(d))
        p[k + "ln2.g"], p[k + "ln2.b"] = const((d,), 1.0), const((d,), 0.0)
        p[k + "w1"], p[k + "b1"] = normal((d, f), 1 / math.sqrt(d)), const((f,), 0.0)
        p[k + "w2"], p[k + "b2"] = normal((f, d), 1 / math.sqrt(f)), const((d,), 0.0)
    p["lnf.g"], p["lnf.b"] = const((d,), 1.0), const((d,), 0.0)
    p["wout"], p["bout"] = normal((d, 4), 1 / math.sqrt(d)), const((4,), 0.0)
    return TransformerModel(n_sites=n, n_heads=h, n_layers=layers, params=p)


def _layer_norm(x: Array, g: Array, b: Array, xp: Any) -> Array:
    mu = xp.mean(x, axis=-1, keepdims=True)
    var = xp.mean((x - mu) ** 2, axis=-1, keepdims=True)
    return (x - mu) / xp.sqrt(var + _LN_EPS) * g + b


def _gelu(x: Array) -> Array:
    return 0.5 * x * (1.0 + _xp.erf(x / math.sqrt(2.0)))


def _log_softmax(z: Array, xp: Any) -> Array:
    m = xp.max(z, axis=-1, keepdims=True)
    s = z - m
    return s - xp.log(xp.sum(xp.exp(s), axis=-1, keepdims=True))


def _check_model(model: Any) -> TransformerModel:
    if not isinstance(model, TransformerModel):
        msg = f"model must be a TransformerModel (see init_transformer); got {type(model).__name__}"
        raise TypeError(msg)
    return model


def _check_configs(model: TransformerModel, configs: Any) -> tuple[Any, Array]:
    xp, (c, _) = _xp.as_arrays(configs, model.params["embed"])
    if not xp.isdtype(c.dtype, "integral"):
        msg = f"configs must be an integer array of outcomes 0..3; got dtype {c.dtype}"
        raise TypeError(msg)
    if c.ndim != 2 or c.shape[1] != model.n_sites or c.shape[0] == 0:
        msg = f"configs must have shape (B, {model.n_sites}) with B >= 1; got {tuple(c.shape)}"
        raise ValueError(msg)
    if _xp.is_eager(c) and (int(xp.min(c)) < 0 or int(xp.max(c)) > 3):
        msg = "configs must hold outcomes in 0..3; got values outside"
        raise ValueError(msg)
    return xp, c


def _forward(model: TransformerModel, c: Array, xp: Any) -> Array:
    """Conditional log-probabilities (B, N, 4) for integer configs (B, N), no checks."""
    p = model.params
    b, n = int(c.shape[0]), model.n_sites
    dev = _xp.device(p["embed"])
    start = xp.full((b, 1), 4, dtype=c.dtype, device=dev)
    tokens = xp.concat([start, c[:, : n - 1]], axis=1) if n > 1 else start
    x = xp.take(p["embed"], xp.reshape(tokens, (-1,)), axis=0)
    d = int(x.shape[-1])
    x = xp.reshape(x, (b, n, d)) + p["pos"]
    h = model.n_heads
    dh = d // h
    causal = xp.arange(n, device=dev)[:, None] >= xp.arange(n, device=dev)[None, :]
    neg = xp.full((n, n), -math.inf, dtype=x.dtype, device=dev)
    for layer in range(model.n_layers):
        k = f"l{layer}."
        y = _layer_norm(x, p[k + "ln1.g"], p[k + "ln1.b"], xp)

        def heads(w: Array, y: Array = y) -> Array:
            return xp.permute_dims(xp.reshape(y @ w, (b, n, h, dh)), (0, 2, 1, 3))

        q, kk, v = heads(p[k + "wq"]), heads(p[k + "wk"]), heads(p[k + "wv"])
        scores = (q @ xp.permute_dims(kk, (0, 1, 3, 2))) / math.sqrt(dh)
        scores = xp.where(causal, scores, neg)
        att = xp.exp(_log_softmax(scores, xp))
        o = xp.reshape(xp.permute_dims(att @ v, (0, 2, 1, 3)), (b, n, d))
        x = x + o @ p[k + "wo"]
        y = _layer_norm(x, p[k + "ln2.g"], p[k + "ln2.b"], xp)
        x = x + _gelu(y @ p[k + "w1"] + p[k + "b1"]) @ p[k + "w2"] + p[k + "b2"]
    x = _layer_norm(x, p["lnf.g"], p["lnf.b"], xp)
    return _log_softmax(x @ p["wout"] + p["bout"], xp)


def conditional_log_probs(model: TransformerModel, configs: Array, /) -> Array:
    r"""Conditional log-probabilities :math:`\log P(a_i = k \mid a_{<i})`.

    Parameters
    ----------
    model : TransformerModel
    configs : array, shape (B, N), integer
        Outcomes 0..3 (site 0 first); entry i only influences positions > i.

    Returns
    -------
    array, shape (B, N, 4)
        In the model's namespace, dtype and device; ``exp`` sums to 1 over the last axis.

    Raises
    ------
    TypeError
        If ``configs`` is not an integer array or ``model`` has the wrong type.
    ValueError
        If the shape is wrong or outcomes are outside 0..3.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the autoregressive (transformer) model, spec §5.1.6.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import conditional_log_probs, init_transformer
    >>> m = init_transformer(3, rng=1)
    >>> lp = conditional_log_probs(m, np.array([[0, 1, 2]]))
    >>> bool(np.allclose(np.exp(lp).sum(-1), 1.0))
    True
    """
    m = _check_model(model)
    xp, c = _check_configs(m, configs)
    return _forward(m, c, xp)


def _log_prob(model: TransformerModel, c: Array, xp: Any) -> Array:
    lp = _forward(model, c, xp)
    onehot = xp.astype(c[..., None] == xp.arange(4, device=_xp.device(c)), lp.dtype)
    return xp.sum(xp.sum(lp * onehot, axis=-1), axis=-1)


def log_prob(model: TransformerModel, configs: Array, /) -> Array:
    r""":math:`\log P_{AR}(\mathbf a) = \sum_i \log P(a_i \mid a_{<i})` for each configuration.

    Parameters
    ----------
    model : TransformerModel
    configs : array, shape (B, N), integer

    Returns
    -------
    array, shape (B,)
        Model's namespace, dtype and device.

    Raises
    ------
    TypeError, ValueError
        As in :func:`conditional_log_probs`.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, spec §5.1.6.

    Examples
    --------
    >>> import itertools
    >>> import numpy as np
    >>> from refimpl.quantum import init_transformer, log_prob
    >>> m = init_transformer(3, rng=2)
    >>> allc = np.array(list(itertools.product(range(4), repeat=3)))
    >>> round(float(np.exp(log_prob(m, allc)).sum()), 12)
    1.0
    """
    m = _check_model(model)
    xp, c = _check_configs(m, configs)
    return _log_prob(m, c, xp)


def _sample(model: TransformerModel, n_samples: int, gen: np.random.Generator, xp: Any) -> Array:
    dev = _xp.device(model.params["embed"])
    dtype = model.params["embed"].dtype
    c = xp.zeros((n_samples, model.n_sites), dtype=xp.int64, device=dev)
    for i in range(model.n_sites):
        probs = xp.exp(_forward(model, c, xp)[:, i, :])
        cdf = xp.cumulative_sum(probs, axis=-1)
        u = _xp.from_host(gen.random((n_samples, 1)), xp=xp, dtype=dtype, device=dev)
        ai = xp.sum(xp.astype(u > cdf, xp.int64), axis=-1)
        ai = xp.minimum(ai, xp.asarray(3, dtype=xp.int64, device=dev))
        onehot = xp.astype(xp.arange(model.n_sites, device=dev) == i, xp.int64)
        c = c + ai[:, None] * onehot[None, :]
    return c


def sample(model: TransformerModel, n_samples: int, /, *, rng: Any = None) -> Array:
    r"""Exact ancestral samples :math:`\mathbf a \sim P_{AR}`, one forward pass per site.

    Parameters
    ----------
    model : TransformerModel
    n_samples : int
        Number of samples >= 1.
    rng : numpy.random.Generator, int or None
        Host generator for the uniform draws (moved to the model's device).

    Returns
    -------
    array, shape (n_samples, N), int64
        Outcomes 0..3, in the model's namespace and device (no gradient flows through them).

    Raises
    ------
    TypeError, ValueError
        Bad model, non-positive ``n_samples``, bad ``rng``.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580 (exact sampling of autoregressive models), spec §5.1.6.

    Examples
    --------
    >>> from refimpl.quantum import init_transformer, sample
    >>> s = sample(init_transformer(5, rng=0), 3, rng=1)
    >>> s.shape, int(s.min()) >= 0, int(s.max()) <= 3
    ((3, 5), True, True)
    """
    m = _check_model(model)
    k = _xp.positive_int(n_samples, name="n_samples")
    gen = _xp.rng(rng)
    xp = _xp.as_arrays(m.params["embed"])[0]
    return _stop_gradient(_sample(m, k, gen, xp))


# ------------------------------------------------------------------------- string states
def string_orderings(n_sites: int, /, *, lattice: str = "chain") -> np.ndarray:
    r"""The site orderings :math:`\pi_s` of string states (host integer table).

    Parameters
    ----------
    n_sites : int
        N (a perfect square L*L >= 4 for ``lattice="square"``).
    lattice : {"chain", "square"}
        ``"chain"``: start at every site, both directions (2N orderings, N for N <= 2 where
        the directions coincide). ``"square"``: boustrophedon snakes from the 4 corners,
        rows first and columns first (8 orderings).

    Returns
    -------
    numpy.ndarray, shape (S, N), int64
        Row s lists the sites in the order the autoregressive model visits them; read-only.

    Raises
    ------
    ValueError
        Unknown ``lattice`` or ``n_sites`` not a perfect square for ``"square"``.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, string states; official ``utils/string_orderer.py``
       (spec §5.1.6).

    Examples
    --------
    >>> from refimpl.quantum import string_orderings
    >>> string_orderings(3).tolist()
    [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 2, 1], [1, 0, 2], [2, 1, 0]]
    """
    n = _xp.positive_int(n_sites, name="n_sites")
    _xp.check_choice(lattice, ("chain", "square"), name="lattice")
    rows: list[list[int]] = []
    if lattice == "chain":
        for sign in (1, -1):
            for s in range(n):
                order = [(s + sign * k) % n for k in range(n)]
                if order not in rows:
                    rows.append(order)
    else:
        side = math.isqrt(n)
        if side * side != n or side < 2:
            msg = f"n_sites must be a perfect square L*L with L >= 2 (square lattice); got {n}"
            raise ValueError(msg)
        grid = np.arange(n).reshape(side, side)
        for g in (grid, grid.T):
            for flip_r in (False, True):
                for flip_c in (False, True):
                    h = g[::-1] if flip_r else g
                    h = h[:, ::-1] if flip_c else h
                    snake = [
                        int(x)
                        for r, row in enumerate(h)
                        for x in (row if r % 2 == 0 else row[::-1])
                    ]
                    if snake not in rows:
                        rows.append(snake)
    out = np.asarray(rows, dtype=np.int64)
    out.flags.writeable = False
    return out


def _check_orderings(orderings: Any, n: int) -> np.ndarray:
    o = np.asarray(orderings)
    if o.dtype.kind not in "iu" or o.ndim != 2 or o.shape[1] != n or o.shape[0] == 0:
        msg = f"orderings must be an integer table (S, {n}) of permutations; got {o.shape}"
        raise ValueError(msg)
    if not all(sorted(row.tolist()) == list(range(n)) for row in o):
        msg = "orderings must hold permutations of the sites in every row; got a non-permutation"
        raise ValueError(msg)
    return o


def _string_log_prob(model: TransformerModel, c: Array, orders: np.ndarray, xp: Any) -> Array:
    dev = _xp.device(c)
    terms = []
    for row in orders:
        idx = _xp.from_host(np.asarray(row), xp=xp, dtype=xp.int64, device=dev)
        terms.append(_log_prob(model, xp.take(c, idx, axis=1), xp))
    t = xp.stack(terms, axis=0)
    m = xp.max(t, axis=0)
    return m + xp.log(xp.mean(xp.exp(t - m), axis=0))


def string_log_prob(model: TransformerModel, configs: Array, orderings: Any, /) -> Array:
    r"""Log-probability of the string state :math:`\frac1{|S|}\sum_s P_{AR}(\mathbf a_{\pi_s})`.

    Parameters
    ----------
    model : TransformerModel
    configs : array, shape (B, N), integer
        Outcomes in site order.
    orderings : array-like, shape (S, N)
        Host table of permutations (see :func:`string_orderings`).

    Returns
    -------
    array, shape (B,)
        Stable log-sum-exp over orderings; model's namespace, dtype and device.

    Raises
    ------
    TypeError, ValueError
        As in :func:`log_prob`; ``orderings`` not a table of permutations.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, string states (spec §5.1.6).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import init_transformer, string_log_prob, string_orderings
    >>> m = init_transformer(3, rng=0)
    >>> a = np.array([[0, 1, 2], [1, 2, 0]])  # a cyclic shift of each other
    >>> lp = string_log_prob(m, a, string_orderings(3))
    >>> bool(np.isclose(lp[0], lp[1]))
    True
    """
    m = _check_model(model)
    xp, c = _check_configs(m, configs)
    return _string_log_prob(m, c, _check_orderings(orderings, m.n_sites), xp)


def string_sample(
    model: TransformerModel, n_samples: int, orderings: Any, /, *, rng: Any = None
) -> Array:
    r"""Exact samples of a string state: draw s uniformly, sample the AR model, undo
    :math:`\pi_s`.

    Parameters
    ----------
    model : TransformerModel
    n_samples : int
    orderings : array-like, shape (S, N)
    rng : numpy.random.Generator, int or None

    Returns
    -------
    array, shape (n_samples, N), int64
        Outcomes in site order; model's namespace and device.

    Raises
    ------
    TypeError, ValueError
        As in :func:`sample`; bad ``orderings``.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, string states (spec §5.1.6).

    Examples
    --------
    >>> from refimpl.quantum import init_transformer, string_orderings, string_sample
    >>> string_sample(init_transformer(4, rng=0), 5, string_orderings(4), rng=0).shape
    (5, 4)
    """
    m = _check_model(model)
    k = _xp.positive_int(n_samples, name="n_samples")
    orders = _check_orderings(orderings, m.n_sites)
    gen = _xp.rng(rng)
    xp = _xp.as_arrays(m.params["embed"])[0]
    dev = _xp.device(m.params["embed"])
    seq = _sample(m, k, gen, xp)  # seq[:, k] is the outcome of site pi_s(k)
    which = gen.integers(0, orders.shape[0], size=k)
    inverse = np.argsort(orders, axis=1)[which]  # a[:, i] = seq[:, pi^{-1}(i)]
    flat = inverse + (np.arange(k) * m.n_sites)[:, None]
    idx = _xp.from_host(flat.reshape(-1), xp=xp, dtype=xp.int64, device=dev)
    out = xp.reshape(xp.take(xp.reshape(seq, (-1,)), idx, axis=0), (k, m.n_sites))
    return _stop_gradient(out)


# ------------------------------------------------------------------------ variational costs
def _stop_gradient(x: Array) -> Array:
    """Detach from autograd (torch, jax); identity elsewhere. (Candidate for ``_xp``.)"""
    if compat.is_torch_array(x):
        return x.detach()
    if compat.is_jax_array(x):  # pragma: no cover - optional
        import jax

        return jax.lax.stop_gradient(x)
    return x


def _local_values(generator: LocalLindbladian, logp: Any, c: Array, xp: Any, n: int) -> Array:
    """(L P)(a) for the sampled configurations c (B, N) with P = exp(logp(configs)).

    Every block on sites S needs P at the 4**|S| configurations that differ from a on S; all
    of them (all blocks, all samples) are collected, de-duplicated by their base-4 code
    (``unique_inverse``; N <= 31) and the model is evaluated once per distinct configuration
    (for N = 4 at most 256 evaluations instead of B * sum_S 4**|S|)."""
    b = int(c.shape[0])
    dev = _xp.device(c)
    confs, rows, sizes = [], [], []
    for sites, block in zip(generator.sites, generator.blocks, strict=True):
        k = len(sites)
        m = 4**k
        reps = np.array(list(np.ndindex(*(4,) * k)), dtype=np.int64)  # (m, k) replacement values
        mask = np.zeros(n, dtype=np.int64)
        for s in sites:
            mask[s] = 1
        keep = xp.asarray(1 - mask, dtype=c.dtype, device=dev)
        put = np.zeros((m, n), dtype=np.int64)
        for j, s in enumerate(sites):
            put[:, s] = reps[:, j]
        put_x = xp.asarray(put, dtype=c.dtype, device=dev)
        confs.append(xp.reshape(c[:, None, :] * keep + put_x[None, :, :], (b * m, n)))
        row = xp.zeros((b,), dtype=c.dtype, device=dev)
        for j, s in enumerate(sites):
            row = row + c[:, s] * 4 ** (k - 1 - j)
        rows.append(xp.take(block, row, axis=0))  # (B, m) block entries
        sizes.append(m)
    allc = xp.concat(confs, axis=0)
    if n <= 31:
        weights = xp.asarray(4 ** np.arange(n - 1, -1, -1), dtype=xp.int64, device=dev)
        codes = xp.sum(xp.astype(allc, xp.int64) * weights, axis=1)
        uniq, inverse = xp.unique_inverse(codes)
        distinct = (uniq[:, None] // weights[None, :]) % 4
        p_all = xp.take(xp.exp(logp(xp.astype(distinct, c.dtype))), xp.reshape(inverse, (-1,)))
    else:  # pragma: no cover - codes would overflow int64
        p_all = xp.exp(logp(allc))
    total = None
    start = 0
    for m, blk_rows in zip(sizes, rows, strict=True):
        p_conf = xp.reshape(p_all[start : start + b * m], (b, m))
        start += b * m
        val = xp.sum(xp.astype(blk_rows, p_conf.dtype) * p_conf, axis=1)
        total = val if total is None else total + val
    assert total is not None
    return total


def _check_generator_for(model: TransformerModel, generator: Any) -> LocalLindbladian:
    if not isinstance(generator, LocalLindbladian):
        msg = f"generator must be a LocalLindbladian; got {type(generator).__name__}"
        raise TypeError(msg)
    if generator.n_sites != model.n_sites:
        msg = f"generator must act on the model's {model.n_sites} sites; got {generator.n_sites}"
        raise ValueError(msg)
    return generator


def local_generator_values(
    model: TransformerModel,
    generator: LocalLindbladian,
    configs: Array,
    /,
    *,
    orderings: Any = None,
) -> Array:
    r""":math:`(\mathbb L P_\theta)(\mathbf a)` at the given configurations, from local blocks.

    Parameters
    ----------
    model : TransformerModel
    generator : LocalLindbladian
        On the model's N sites (same namespace).
    configs : array, shape (B, N), integer
    orderings : array-like, optional
        Use the string state over these orderings instead of the bare AR model.

    Returns
    -------
    array, shape (B,)
        Model's namespace, dtype and device; differentiable in the parameters.

    Raises
    ------
    TypeError, ValueError
        Bad arguments, or a generator on a different number of sites.

    Notes
    -----
    Cost: :math:`\sum_{\text{blocks}} 4^{|S|}` model evaluations per configuration.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the local evaluation of L P (spec §5.1.3, §5.1.5).

    Examples
    --------
    >>> import itertools
    >>> import numpy as np
    >>> from refimpl.quantum import dissipative_ising, init_transformer, lindbladian, povm
    >>> from refimpl.quantum import local_generator_values, log_prob
    >>> m = init_transformer(3, rng=0)
    >>> gen = lindbladian(dissipative_ising(3, g=1.0), povm("tetra"))
    >>> allc = np.array(list(itertools.product(range(4), repeat=3)))
    >>> lp = local_generator_values(m, gen, allc)
    >>> bool(np.allclose(lp, gen.apply(np.exp(log_prob(m, allc)))))
    True
    """
    m = _check_model(model)
    gen = _check_generator_for(m, generator)
    xp, c = _check_configs(m, configs)
    if orderings is None:
        return _local_values(gen, lambda x: _log_prob(m, x, xp), c, xp, m.n_sites)
    orders = _check_orderings(orderings, m.n_sites)
    return _local_values(gen, lambda x: _string_log_prob(m, x, orders, xp), c, xp, m.n_sites)


def _logp_fn(m: TransformerModel, orderings: Any, xp: Any) -> Any:
    if orderings is None:
        return lambda x: _log_prob(m, x, xp)
    orders = _check_orderings(orderings, m.n_sites)
    return lambda x: _string_log_prob(m, x, orders, xp)


def steady_state_cost(
    model: TransformerModel,
    generator: LocalLindbladian,
    samples: Array,
    /,
    *,
    orderings: Any = None,
) -> Array:
    r"""Importance-sampled :math:`\|\mathbb L P_\theta\|_1 \approx \frac1B\sum_b
    |(\mathbb L P_\theta)(\mathbf a_b)| / P_\theta(\mathbf a_b)`, :math:`\mathbf a_b \sim P_\theta`.

    Parameters
    ----------
    model : TransformerModel
    generator : LocalLindbladian
    samples : array, shape (B, N), integer
        Samples from the model (:func:`sample` or :func:`string_sample`).
    orderings : array-like, optional
        String-state orderings (then ``samples`` must come from :func:`string_sample`).

    Returns
    -------
    array, shape ()
        Unbiased for the exact L1 norm when the samples follow the model. Under torch the
        denominator is detached: the gradient is the unbiased gradient of the L1 norm.

    Raises
    ------
    TypeError, ValueError
        Bad arguments.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the variational steady-state cost (spec §5.1.5).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import dissipative_ising, init_transformer, lindbladian, povm
    >>> from refimpl.quantum import sample, steady_state_cost
    >>> m = init_transformer(3, rng=0)
    >>> gen = lindbladian(dissipative_ising(3, g=1.0), povm("tetra"))
    >>> float(steady_state_cost(m, gen, sample(m, 100, rng=0))) > 0
    True
    """
    m = _check_model(model)
    gen = _check_generator_for(m, generator)
    xp, c = _check_configs(m, samples)
    logp = _logp_fn(m, orderings, xp)
    lp = _local_values(gen, logp, c, xp, m.n_sites)
    p = _stop_gradient(xp.exp(logp(c)))
    return xp.mean(xp.abs(lp) / p)


def trapezoid_cost(
    model: TransformerModel,
    previous: TransformerModel,
    generator: LocalLindbladian,
    samples: Array,
    /,
    tau: float,
    *,
    orderings: Any = None,
) -> Array:
    r"""Importance-sampled forward-backward trapezoid residual
    :math:`\|(1-\frac\tau2\mathbb L)P_\theta - (1+\frac\tau2\mathbb L)P_{\theta'}\|_1`.

    Parameters
    ----------
    model : TransformerModel
        The new state :math:`P_\theta` (the samples come from it).
    previous : TransformerModel
        The state at the previous time :math:`P_{\theta'}` (no gradient is taken through it).
    generator : LocalLindbladian
    samples : array, shape (B, N), integer
        Samples from ``model``.
    tau : float
        Time step > 0.
    orderings : array-like, optional
        String-state orderings used for both models.

    Returns
    -------
    array, shape ()
        Mean of :math:`|r(\mathbf a)|/P_\theta(\mathbf a)`; unbiased for the L1 norm.

    Raises
    ------
    TypeError, ValueError
        Bad arguments, ``tau <= 0``.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the variational forward-backward trapezoid method
       (spec §5.1.4; official ``forward_backward_trapozoid_L1``).

    Examples
    --------
    >>> from refimpl.quantum import dissipative_ising, init_transformer, lindbladian, povm
    >>> from refimpl.quantum import sample, trapezoid_cost
    >>> m = init_transformer(3, rng=0)
    >>> gen = lindbladian(dissipative_ising(3, g=1.0), povm("tetra"))
    >>> float(trapezoid_cost(m, m, gen, sample(m, 50, rng=0), 0.01)) > 0
    True
    """
    m = _check_model(model)
    prev = _check_model(previous)
    gen = _check_generator_for(m, generator)
    if prev.n_sites != m.n_sites:
        msg = f"previous must have {m.n_sites} sites; got {prev.n_sites}"
        raise ValueError(msg)
    t = _xp.positive_float(tau, name="tau")
    xp, c = _check_configs(m, samples)
    logp = _logp_fn(m, orderings, xp)
    logq = _logp_fn(prev, orderings, xp)
    p_new = xp.exp(logp(c))
    p_old = _stop_gradient(xp.exp(logq(c)))
    lp_new = _local_values(gen, logp, c, xp, m.n_sites)
    lp_old = _stop_gradient(_local_values(gen, logq, c, xp, m.n_sites))
    r = (p_new - 0.5 * t * lp_new) - (p_old + 0.5 * t * lp_old)
    return xp.mean(xp.abs(r) / _stop_gradient(p_new))


# ---------------------------------------------------------------------------- training
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TrainResult:
    """Result of :func:`train_steady_state`.

    Attributes
    ----------
    model : TransformerModel
        The trained model (detached torch tensors).
    losses : array, shape (n_steps,)
        The sampled cost at every step (before the update).
    n_iter : int
        Steps taken.
    """

    model: TransformerModel
    losses: Array
    n_iter: int


def _check_torch_model(model: Any) -> TransformerModel:
    m = _check_model(model)
    if not all(compat.is_torch_array(v) for v in m.params.values()):
        msg = "model must hold torch tensors for training (torch autograd); got another namespace"
        raise TypeError(msg)
    return m


def _optimise(
    model: TransformerModel,
    cost: Any,
    steps: int,
    n_samples: int,
    lr: float,
    milestones: Any,
    orders: np.ndarray | None,
    gen_rng: np.random.Generator,
    callback: Any,
) -> tuple[TransformerModel, list[float]]:
    """Adam (betas (0.9, 0.98), eps 1e-9; lr halved at each milestone) on ``cost(model,
    samples)`` with fresh samples of the current model every step; starts from a copy of
    ``model``'s parameters and returns the detached final model and the losses."""
    import torch

    params = {name: v.detach().clone().requires_grad_(True) for name, v in model.params.items()}
    current = dataclasses.replace(model, params=params)
    opt = torch.optim.Adam(list(params.values()), lr=lr, betas=(0.9, 0.98), eps=1e-9)
    sched = torch.optim.lr_scheduler.MultiStepLR(
        opt, milestones=[int(x) for x in milestones], gamma=0.5
    )
    losses = []
    for step in range(steps):
        if n_samples == 0:  # an exact (enumerated) cost needs no samples
            s = None
        elif orders is None:
            s = sample(current, n_samples, rng=gen_rng)
        else:
            s = string_sample(current, n_samples, orders, rng=gen_rng)
        loss = cost(current, s)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if callback is not None:
            callback(step, losses[-1])
    final = {name: v.detach() for name, v in params.items()}
    return dataclasses.replace(model, params=final), losses


def train_steady_state(
    model: TransformerModel,
    generator: LocalLindbladian,
    /,
    *,
    n_steps: int,
    n_samples: int = 256,
    lr: float = 1e-2,
    milestones: tuple[int, ...] = (600,),
    orderings: Any = None,
    rng: Any = None,
    callback: Any = None,
) -> TrainResult:
    r"""Minimise the steady-state cost :math:`\|\mathbb L P_\theta\|_1` with torch autograd.

    Adam with betas (0.9, 0.98) and eps 1e-9, learning rate ``lr`` halved at each step in
    ``milestones`` (the official code's settings, spec §5.1.5); fresh samples every step.

    Parameters
    ----------
    model : TransformerModel
        Initial model with torch tensors (float64 recommended).
    generator : LocalLindbladian
        Torch generator on the model's sites.
    n_steps : int
        Optimisation steps >= 1.
    n_samples : int
        Samples per step.
    lr : float
        Initial learning rate.
    milestones : tuple of int
        Steps at which the learning rate is halved.
    orderings : array-like, optional
        Train a string state over these orderings.
    rng : numpy.random.Generator, int or None
        Host generator for the samples.
    callback : callable, optional
        ``callback(step, loss)`` with a Python float, after each step.

    Returns
    -------
    TrainResult

    Raises
    ------
    TypeError
        If the model's parameters are not torch tensors (training needs autograd).
    ValueError
        Bad step counts or learning rate.

    Notes
    -----
    Differences from the official loop: no periodic accurate-loss evaluation and no
    best-model selection (the last model is returned; ``losses`` lets the caller choose).

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, variational steady state (spec §5.1.5).

    Examples
    --------
    >>> from refimpl.quantum import init_transformer, lindbladian, dissipative_ising, povm
    >>> from refimpl.quantum import train_steady_state
    >>> import array_api_compat.torch as xt, torch
    >>> m = init_transformer(2, d_model=8, d_ff=8, rng=0, xp=xt, dtype=torch.float64)
    >>> gen = lindbladian(dissipative_ising(2, g=1.0, xp=xt, dtype=torch.float64),
    ...                   povm("tetra", xp=xt, dtype=torch.float64))
    >>> res = train_steady_state(m, gen, n_steps=3, n_samples=32, rng=0)
    >>> res.losses.shape
    torch.Size([3])
    """
    m = _check_torch_model(model)
    gen = _check_generator_for(m, generator)
    steps = _xp.positive_int(n_steps, name="n_steps")
    k = _xp.positive_int(n_samples, name="n_samples")
    rate = _xp.positive_float(lr, name="lr")
    gen_rng = _xp.rng(rng)
    orders = None if orderings is None else _check_orderings(orderings, m.n_sites)

    def cost(current: TransformerModel, samples: Array) -> Array:
        return steady_state_cost(current, gen, samples, orderings=orders)

    final, losses = _optimise(m, cost, steps, k, rate, milestones, orders, gen_rng, callback)
    import torch

    dev = _xp.device(final.params["embed"])
    return TrainResult(
        model=final,
        losses=torch.asarray(losses, dtype=final.params["embed"].dtype, device=dev),
        n_iter=steps,
    )


def init_product_state(
    n_sites: int,
    site_probabilities: Any,
    /,
    *,
    d_model: int = 32,
    d_ff: int = 16,
    n_heads: int = 1,
    n_layers: int = 1,
    rng: Any = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> TransformerModel:
    r"""A transformer that represents the product distribution :math:`\prod_i q(a_i)` exactly.

    The weights are those of :func:`init_transformer` except the output map: ``wout = 0`` and
    ``bout = log q``, so every conditional equals :math:`q` whatever the context: the initial
    state of a variational time evolution from a product state (all sites :math:`|0\rangle`:
    ``q = probabilities(diag(1, 0), frame)``).

    Parameters
    ----------
    n_sites : int
        N >= 1.
    site_probabilities : array-like, shape (4,)
        Strictly positive single-site POVM probabilities summing to 1 (read on the host).
    d_model, d_ff, n_heads, n_layers, rng, xp, dtype, device
        As in :func:`init_transformer`.

    Returns
    -------
    TransformerModel

    Raises
    ------
    ValueError
        If ``site_probabilities`` does not have shape (4,), has an entry <= 0 or a non-finite
        one, or does not sum to 1 (to 1e-6).

    Notes
    -----
    The gradient with respect to ``wout`` is not zero, so training leaves the product
    manifold as soon as the cost asks for correlations.

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, variational dynamics from a product initial state
       (spec §5.1.4 and §5.4).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.quantum import init_product_state, log_prob, povm, probabilities
    >>> q = np.asarray(probabilities(np.diag([1.0, 0.0]), povm("tetra")))
    >>> m = init_product_state(3, q, rng=0)
    >>> bool(np.isclose(np.exp(log_prob(m, np.array([[0, 1, 2]])))[0], q[0] * q[1] * q[2]))
    True
    """
    if isinstance(site_probabilities, list | tuple):
        q = np.asarray(site_probabilities, dtype=np.float64)
    else:
        q = np.asarray(_xp.to_host(site_probabilities), dtype=np.float64)
    bad = q.shape != (4,) or not bool(np.all(np.isfinite(q))) or bool(np.any(q <= 0))
    if bad or abs(float(q.sum()) - 1.0) > 1e-6:
        msg = f"site_probabilities must be 4 positive numbers summing to 1; got {q.tolist()}"
        raise ValueError(msg)
    m = init_transformer(
        n_sites,
        d_model=d_model,
        d_ff=d_ff,
        n_heads=n_heads,
        n_layers=n_layers,
        rng=rng,
        xp=xp,
        dtype=dtype,
        device=device,
    )
    w = m.params["wout"]
    wx = _xp.as_arrays(w)[0]
    params = dict(m.params)
    params["wout"] = wx.zeros_like(w)
    params["bout"] = _xp.from_host(np.log(q), xp=wx, dtype=w.dtype, device=_xp.device(w))
    return dataclasses.replace(m, params=params)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EvolveResult:
    """Result of :func:`variational_evolve`.

    Attributes
    ----------
    models : tuple of TransformerModel
        The model at every time ``t0 + k tau``, k = 0..n_steps (detached torch tensors).
    times : tuple of float
        The times.
    losses : array, shape (n_steps, n_iter)
        The cost at every optimisation iteration of every time step (before the update).
    """

    models: tuple[TransformerModel, ...]
    times: tuple[float, ...]
    losses: Array


def _exact_trapezoid_cost(
    current: TransformerModel,
    samples: Any,
    *,
    b_old: Array,
    allc: Array,
    gen: LocalLindbladian,
    tau: float,
    orders: np.ndarray | None,
) -> Array:
    """sum_a |(1 - tau/2 L) P_theta - b_old| over all configurations (no samples)."""
    xp = _xp.as_arrays(allc)[0]
    p_new = xp.exp(_logp_fn(current, orders, xp)(allc))
    return xp.sum(xp.abs(p_new - 0.5 * tau * apply_lindbladian(gen, p_new) - b_old))


def _sampled_trapezoid_cost(
    current: TransformerModel,
    samples: Array,
    *,
    previous: TransformerModel,
    gen: LocalLindbladian,
    tau: float,
    orders: np.ndarray | None,
) -> Array:
    return trapezoid_cost(current, previous, gen, samples, tau, orderings=orders)


def variational_evolve(
    model: TransformerModel,
    generator: LocalLindbladian,
    /,
    *,
    tau: float,
    n_steps: int,
    n_iter: int = 100,
    n_samples: int | None = 256,
    lr: float = 1e-2,
    milestones: tuple[int, ...] = (80,),
    orderings: Any = None,
    t0: float = 0.0,
    rng: Any = None,
    callback: Any = None,
) -> EvolveResult:
    r"""Variational forward-backward trapezoid time evolution of the transformer (torch).

    Each time step minimises the trapezoid residual
    :math:`\|(1-\frac\tau2\mathbb L)P_\theta - (1+\frac\tau2\mathbb L)P_{\theta_t}\|_1` over
    :math:`\theta` by Adam, starting from :math:`\theta_t` (warm start), with a fresh
    optimiser per step (betas (0.9, 0.98), eps 1e-9, ``lr`` halved at each iteration in
    ``milestones``): the official code's scheme (spec §5.1.4).

    Parameters
    ----------
    model : TransformerModel
        The state at ``t0`` with torch tensors (float64 recommended); e.g.
        :func:`init_product_state`.
    generator : LocalLindbladian
        Torch generator on the model's sites (ungrouped: see :func:`group_blocks`).
    tau : float
        Time step > 0 (the official code's step is 2 dt = 0.016).
    n_steps : int
        Time steps >= 1.
    n_iter : int
        Adam iterations per time step >= 1.
    n_samples : int or None
        Samples per iteration for the importance-sampled cost (:func:`trapezoid_cost`); None
        uses the exact cost :math:`\sum_{\mathbf a}|r(\mathbf a)|` by enumerating all
        :math:`4^N` configurations (N <= 8; a deterministic reference for the optimiser).
    lr : float
        Initial learning rate > 0.
    milestones : tuple of int
        Iterations (within a time step) at which the learning rate is halved.
    orderings : array-like, optional
        Evolve a string state over these orderings.
    t0 : float
        Initial time.
    rng : numpy.random.Generator, int or None
        Host generator for the samples.
    callback : callable, optional
        ``callback(k, model_k)`` after time step k = 1..n_steps.

    Returns
    -------
    EvolveResult

    Raises
    ------
    TypeError
        If the model's parameters are not torch tensors (training needs autograd).
    ValueError
        Bad step counts, ``tau <= 0``, ``lr <= 0``, or ``n_samples=None`` with N > 8.

    Notes
    -----
    The exact trapezoid step is the unique zero of the residual; the variational step is
    limited by the expressiveness of the model, the optimiser's convergence within
    ``n_iter`` iterations and (sampled cost) the sampling noise, and these errors accumulate
    over the steps. Small models train faster single-threaded
    (``torch.set_num_threads(1)``) on a busy machine; this function leaves torch's settings
    alone. Under the sampled cost the gradient is the unbiased gradient of the L1
    norm (the importance weights are detached).

    References
    ----------
    .. [1] Luo et al., arXiv:2009.05580, the variational forward-backward trapezoid method
       (spec §5.1.4; official ``forward_backward_trapozoid_L1``).

    Examples
    --------
    >>> import numpy as np, torch
    >>> import array_api_compat.torch as xt
    >>> from refimpl.quantum import dissipative_ising, init_product_state, lindbladian, povm
    >>> from refimpl.quantum import probabilities, variational_evolve
    >>> f = povm("tetra", xp=xt, dtype=torch.float64)
    >>> q = probabilities(torch.asarray(np.diag([1.0, 0.0]).astype(complex)), f)
    >>> m = init_product_state(2, q, d_model=8, d_ff=8, rng=0, xp=xt, dtype=torch.float64)
    >>> gen = lindbladian(dissipative_ising(2, g=1.0, xp=xt, dtype=torch.float64), f)
    >>> res = variational_evolve(m, gen, tau=0.02, n_steps=2, n_iter=3, n_samples=16, rng=0)
    >>> res.times, tuple(res.losses.shape)
    ((0.0, 0.02, 0.04), (2, 3))
    """
    m = _check_torch_model(model)
    gen = _check_generator_for(m, generator)
    t = _xp.positive_float(tau, name="tau")
    steps = _xp.positive_int(n_steps, name="n_steps")
    iters = _xp.positive_int(n_iter, name="n_iter")
    rate = _xp.positive_float(lr, name="lr")
    start = float(t0)
    gen_rng = _xp.rng(rng)
    orders = None if orderings is None else _check_orderings(orderings, m.n_sites)
    xp = _xp.as_arrays(m.params["embed"])[0]
    if n_samples is None:
        if m.n_sites > 8:
            msg = f"n_samples=None (exact cost) needs n_sites <= 8; got {m.n_sites}"
            raise ValueError(msg)
        k = 0
        dev = _xp.device(m.params["embed"])
        grid = np.array(list(np.ndindex(*(4,) * m.n_sites)), dtype=np.int64)
        allc = _xp.from_host(grid, xp=xp, dtype=xp.int64, device=dev)
    else:
        k = _xp.positive_int(n_samples, name="n_samples")
    import torch

    models = [m]
    all_losses = []
    for step in range(1, steps + 1):
        previous = models[-1]
        cost: Any
        if n_samples is None:
            p_old = xp.exp(_logp_fn(previous, orders, xp)(allc))
            b_old = _stop_gradient(p_old + 0.5 * t * apply_lindbladian(gen, p_old))
            cost = functools.partial(
                _exact_trapezoid_cost, b_old=b_old, allc=allc, gen=gen, tau=t, orders=orders
            )
        else:
            cost = functools.partial(
                _sampled_trapezoid_cost, previous=previous, gen=gen, tau=t, orders=orders
            )
        new, losses = _optimise(previous, cost, iters, k, rate, milestones, orders, gen_rng, None)
        models.append(new)
        all_losses.append(losses)
        if callback is not None:
            callback(step, new)
    dev = _xp.device(m.params["embed"])
    return EvolveResult(
        models=tuple(models),
        times=tuple(start + j * t for j in range(steps + 1)),
        losses=torch.asarray(all_losses, dtype=m.params["embed"].dtype, device=dev),
    )
