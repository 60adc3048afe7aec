"""The folding model, evaluated in plain Python.

Stage 1 is a small forest of gradient-boosted trees over each block's
features (its own and its neighbours'); for plain text a second stage, a
logistic regression, smooths the scores along the page. Both are fitted by
benchmarks/train_fold.py, which writes them as the generated modules
model_html.py and model_text.py beside this file. A score is the probability
that a block belongs to the article.
"""

from __future__ import annotations

import importlib
import math
from functools import lru_cache
from typing import Any

_STAGE2_KEYS = ("in_core", "before_core", "after_core", "kind_heading", "kind_list_item", "len0", "len1",
                "len2", "len3", "good", "dup", "is_title", "first", "last")


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def stage2_features(p: list[float], feats: list[dict[str, float]],
                    paths: list[tuple[int, ...]] | None = None) -> list[dict[str, float]]:
    """Inputs of the smoothing stage: the stage-1 scores around each block,
    along the page and (HTML) among the blocks of the same containers."""
    n = len(p)
    lg = [math.log(max(1e-6, x) / max(1e-6, 1.0 - x)) for x in p]
    sums: dict[int, list[float]] = {}
    if paths:
        for q, path in zip(p, paths):
            for eid in path[-8:]:
                acc = sums.get(eid)
                if acc is None:
                    sums[eid] = [q, 1.0]
                else:
                    acc[0] += q
                    acc[1] += 1.0
    out = []
    for i in range(n):
        f: dict[str, float] = {"self": lg[i]}
        for off in (-3, -2, -1, 1, 2, 3):
            j = i + off
            f[f"o{off}"] = lg[j] if 0 <= j < n else -3.0
        for w in (2, 5, 12):
            lo, hi = max(0, i - w), min(n, i + w + 1)
            f[f"m{w}"] = sum(p[lo:hi]) / (hi - lo)
        f["before_max"] = max(p[max(0, i - 8):i], default=0.0)
        f["after_max"] = max(p[i + 1:i + 9], default=0.0)
        if paths:
            path = paths[i]
            for back in (2, 3, 4, 6, 8):
                if len(path) >= back:
                    acc = sums[path[-back]]
                    f[f"c{back}"] = acc[0] / acc[1]
                    f[f"c{back}n"] = min(acc[1], 50.0) / 50.0
        fi = feats[i]
        for k in _STAGE2_KEYS:
            if k in fi:
                f[k] = fi[k]
        out.append(f)
    return out


def stage2(p: list[float], feats: list[dict[str, float]], spec: dict[str, Any],
           paths: list[tuple[int, ...]] | None = None) -> list[float]:
    """The smoothed scores (a logistic regression over `stage2_features`)."""
    bias, w = float(spec["bias"]), spec["w"]
    get = w.get
    out = []
    for f in stage2_features(p, feats, paths):
        z = bias
        for k, v in f.items():
            c = get(k)
            if c is not None:
                z += c * v
        out.append(_sigmoid(z))
    return out


class Model:
    """One input format's model: features by name in, scores out."""

    def __init__(self, module: Any) -> None:
        self.features = list(module.FEATURES)
        self.index = {name: j for j, name in enumerate(self.features)}
        # Only the class/id words some tree asks about are worth collecting.
        self.vocab = frozenset(w for w in module.VOCAB if f"cls_{w}" in self.index or f"ncls_{w}" in self.index)
        self.threshold = float(module.THRESHOLD)
        self.stage2 = module.STAGE2
        self._score = module.score

    def predict(self, feats: list[dict[str, float]], paths: list[tuple[int, ...]] | None = None) -> list[float]:
        index = self.index
        width = len(self.features)
        score = self._score
        p = []
        for f in feats:
            x = [0.0] * width
            for k, v in f.items():
                j = index.get(k)
                if j is not None:
                    x[j] = v
            p.append(_sigmoid(score(x)))
        if self.stage2:
            p = stage2(p, feats, self.stage2, paths)
        return p


@lru_cache(maxsize=4)
def model_for(fmt: str) -> Model | None:
    """The model for "html" or "text" input, or None when none is shipped."""
    if fmt not in ("html", "text"):
        return None
    try:
        module = importlib.import_module(f"reader.core.fold.model_{fmt}")
    except ImportError:
        return None
    return Model(module)
