"""The folding model, evaluated in plain Python.

Stage 1 is a forest of gradient-boosted trees over each block's own features
(and its neighbours'). Stage 2, when a model has one, is a second forest that
reads the page as stage 1 sees it: the scores around a block, how much of
the page's likely story lies before and after it (after the story's last
paragraph, little is story), and, for HTML, the element that holds most of
the likely story. Both are fitted by benchmarks/train_fold.py, which writes
them as the generated modules model_html.py and model_text.py beside this
file; the generated code stops adding trees once the rest would not change
the decision on any training block (nor, in stage 1, the clipped score).
"""

from __future__ import annotations

import importlib
import math
from functools import lru_cache
from typing import Any

#: Stage-1 scores (log-odds) are clipped to +-CLIP before stage 2 reads them:
#: beyond that, a block is as sure as it gets, and the generated code can
#: stop early.
CLIP = 5.0

# Stage-1 features that stage 2 reads as they are.
_PASS = ("loglen", "good", "kind_heading", "kind_list_item", "kind_image", "kind_caption", "ld", "is_title",
         "terminal", "sw_rel", "first", "last", "pos")


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def context_features(z: list[float], feats: list[dict[str, float]], words: list[int],
                     paths: list[tuple[int, ...]] | None = None) -> list[dict[str, float]]:
    """Stage 2's inputs: each block's stage-1 score among the scores of the page.

    `z` are the clipped stage-1 scores, `words` the blocks' lengths, `paths`
    (HTML) the serial numbers of each block's ancestors."""
    n = len(z)
    p = [_sigmoid(v) for v in z]
    w = [min(x, 200) for x in words]
    pw = [a * b for a, b in zip(p, w)]
    total = sum(pw) or 1.0
    # A sure story paragraph: likely, and long enough to be prose.
    sure = [p[i] >= 0.5 and words[i] >= 12 for i in range(n)]
    sure_idx = [i for i in range(n) if sure[i]]
    first_sure = sure_idx[0] if sure_idx else n
    last_sure = sure_idx[-1] if sure_idx else -1
    # Nearest sure paragraph before and after each block.
    prev_sure = [-1] * n
    last = -1
    for i in range(n):
        prev_sure[i] = last
        if sure[i]:
            last = i
    next_sure = [n] * n
    nxt = n
    for i in range(n - 1, -1, -1):
        next_sure[i] = nxt
        if sure[i]:
            nxt = i
    cum = [0.0]
    for v in pw:
        cum.append(cum[-1] + v)
    pc = [0.0]
    for v in p:
        pc.append(pc[-1] + v)

    # HTML: how much likely story each element holds, and the element that
    # holds the story (the deepest one with most of it).
    mass: dict[int, list[float]] = {}
    root = -1
    if paths:
        for i, path in enumerate(paths):
            a, b = pw[i], (1.0 - p[i]) * w[i]
            for eid in path:
                acc = mass.get(eid)
                if acc is None:
                    mass[eid] = [a, b]
                else:
                    acc[0] += a
                    acc[1] += b
        best = -1.0
        for eid, (a, b) in mass.items():
            # Most of the story, little else; deeper elements win ties
            # (their serial numbers are higher).
            v = a - 0.5 * b
            if a >= 0.6 * total and (v > best or (v == best and eid > root)):
                best, root = v, eid
    out = []
    for i in range(n):
        zi = z[i]
        f: dict[str, float] = {"z": zi}
        for off, name in ((-2, "zm2"), (-1, "zm1"), (1, "zp1"), (2, "zp2")):
            j = i + off
            f[name] = z[j] if 0 <= j < n else -CLIP
        lo, hi = max(0, i - 2), min(n, i + 3)
        f["m2"] = (pc[hi] - pc[lo]) / (hi - lo)
        lo, hi = max(0, i - 6), min(n, i + 7)
        f["m6"] = (pc[hi] - pc[lo]) / (hi - lo)
        f["before"] = cum[i] / total
        f["after"] = (total - cum[i + 1]) / total
        if i > last_sure:
            f["past_end"] = 1.0
            f["dist_end"] = math.log1p(i - last_sure)
        elif i < first_sure:
            f["before_start"] = 1.0
            f["dist_start"] = math.log1p(first_sure - i)
        f["gap_prev"] = math.log1p(i - prev_sure[i]) if prev_sure[i] >= 0 else 6.0
        f["gap_next"] = math.log1p(next_sure[i] - i) if next_sure[i] < n else 6.0
        fi = feats[i]
        for k in _PASS:
            v = fi.get(k)
            if v is not None:
                f[k] = v
        if paths:
            path = paths[i]
            if root >= 0:
                if root in path:
                    f["in_root"] = 1.0
                    f["below_root"] = min(len(path) - 1 - path.index(root), 10) / 10.0
                else:
                    f["out_root"] = 1.0
            for back, name in ((2, "c2"), (3, "c3"), (4, "c4"), (6, "c6")):
                if len(path) >= back:
                    a, b = mass[path[-back]]
                    f[name] = a / (a + b) if a + b else 0.0
                    f[name + "s"] = a / total
        out.append(f)
    return out


def _vector(f: dict[str, float], index: dict[str, int], width: int) -> list[float]:
    x = [0.0] * width
    get = index.get
    for k, v in f.items():
        j = get(k)
        if j is not None:
            x[j] = v
    return x


class Model:
    """One input format's model: features by name in, a decision per block out."""

    def __init__(self, module: Any) -> None:
        self.features = list(module.FEATURES)
        self.index = {name: j for j, name in enumerate(self.features)}
        # Only the class/id words some tree asks about are worth collecting.
        self.vocab = frozenset(w for w in module.VOCAB if f"cls_{w}" in self.index or f"ncls_{w}" in self.index)
        self.threshold = float(module.THRESHOLD)
        self.features2 = list(module.FEATURES2) if module.FEATURES2 else None
        self.index2 = {name: j for j, name in enumerate(self.features2 or ())}
        self._stage1 = module.stage1
        self._stage2 = getattr(module, "stage2", None)

    def keep(self, feats: list[dict[str, float]], words: list[int],
             paths: list[tuple[int, ...]] | None = None) -> list[bool]:
        """Whether each block belongs to the article."""
        index, width, stage1 = self.index, len(self.features), self._stage1
        first = [stage1(_vector(f, index, width)) for f in feats]
        if not self.features2:
            return first
        index2, width2, stage2 = self.index2, len(self.features2), self._stage2
        return [stage2(_vector(f, index2, width2)) for f in context_features(first, feats, words, paths)]


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
