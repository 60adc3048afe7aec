"""The folding model, evaluated in plain Python.

Stage 1 is a forest of gradient-boosted trees over each block's own features
(and its neighbours'). Stage 2, when a model has one, is a second forest that
reads the page as stage 1 sees it: the scores around a block, how much of
the page's likely story lies before and after it (after the story's last
paragraph, little is story), and, for HTML, the element that holds most of
the likely story and how often the page repeats the block's shape
(`features.block_shapes`). Each page is then cut where its expected score
is best (`choose`), or, for a model fitted without that, at one threshold.
Both stages are fitted by benchmarks/train_fold.py, which writes them as
the generated modules model_html.py and model_text.py beside this file.
The trees of a stage that gives scores are merged into one nested decision
(a test that several trees start with is made once); a stage that decides
at a threshold stops adding trees once the rest would not change the
decision on any training block. On HTML, the page's menus outside its story
(`features.furniture_outside_story`) are decided before the model: neither
stage reads them, and to the others they count as sure furniture (a score
of -CLIP). The fit reads every block.
"""

from __future__ import annotations

import importlib
import math
from collections import defaultdict
from functools import lru_cache
from itertools import accumulate, repeat
from operator import itemgetter, mul, sub, truediv
from typing import Any

#: Stage-1 scores (log-odds) are clipped to +-CLIP before stage 2 reads them:
#: beyond that, a block is as sure as it gets.
CLIP = 5.0

# Stage-1 features that stage 2 reads as they are.
_PASS = ("loglen", "good", "kind_heading", "kind_list_item", "kind_image", "kind_caption", "ld", "is_title",
         "terminal", "sw_rel", "first", "last", "pos")


def context_columns(z: list[float], feats: list[dict[str, float]], words: list[int],
                    paths: list[tuple[int, ...]] | None = None,
                    passed: frozenset[str] | tuple[str, ...] = _PASS,
                    shapes: dict[str, list[float]] | None = None) -> dict[str, list[float]]:
    """Stage 2's inputs: each block's stage-1 score among the scores of the
    page, as one column (a value per block) per feature name.

    `z` are the clipped stage-1 scores, `words` the blocks' lengths, `paths`
    (HTML) the serial numbers of each block's ancestors, `shapes` (HTML) how
    the page repeats each block's shape (`features.block_shapes`); of the stage-1
    features in _PASS, only those in `passed` are given."""
    cols = _page_columns(z, words, paths)
    if shapes:
        cols.update(shapes)
    for k in _PASS:
        if k in passed:
            cols[k] = [fi.get(k, 0.0) for fi in feats]
    return cols


def _chances(x: list[float]) -> list[float]:
    """The sigmoid of each log-odds, in the form that cannot overflow on either side."""
    exp = math.exp
    return [1.0 / (1.0 + exp(-a)) if a >= 0 else exp(a) / (1.0 + exp(a)) for a in x]


def _page_columns(z: list[float], words: list[int], paths: list[tuple[int, ...]] | None) -> dict[str, list[float]]:
    """`context_columns` but the stage-1 features it passes on (`Model.keep`
    reads those from the blocks' vectors)."""
    n = len(z)
    p = _chances(z)
    w = [x if x < 200 else 200 for x in words]
    pw = list(map(mul, p, w))
    total = sum(pw) or 1.0
    # A sure story paragraph: likely, and long enough to be prose.
    sure_idx = [i for i, (a, b) in enumerate(zip(p, words)) if a >= 0.5 and b >= 12]
    first_sure = sure_idx[0] if sure_idx else n
    last_sure = sure_idx[-1] if sure_idx else -1
    # log1p of every distance on the page, read by index below.
    lg = list(map(math.log1p, range(n + 1)))
    # The gap to the nearest sure paragraph before and after each block,
    # built a run between two sure paragraphs at a time.
    if sure_idx:
        gap_prev = [6.0] * (first_sure + 1)
        gap_next = lg[first_sure:0:-1]
        for a, b in zip(sure_idx, sure_idx[1:]):
            gap_prev += lg[1:b - a + 1]
            gap_next += lg[b - a:0:-1]
        gap_prev += lg[1:n - last_sure]
        gap_next += [6.0] * (n - last_sure)
    else:
        gap_prev, gap_next = [6.0] * n, [6.0] * n
    cum = list(accumulate(pw, initial=0.0))
    pc = list(accumulate(p, initial=0.0))

    def mean_around(k: int) -> list[float]:
        # The mean of p over blocks i-k..i+k (those that exist).
        lo = [0] * min(n, k) + list(range(n - k))
        hi = list(range(k + 1, n + 1)) + [n] * min(n, k)
        return list(map(truediv, map(sub, map(pc.__getitem__, hi), map(pc.__getitem__, lo)), map(sub, hi, lo)))

    edge = [-CLIP, -CLIP]
    totals = [total] * n
    # After the last sure paragraph, and (when there is one) before the first.
    after_end = n - last_sure - 1
    cols: dict[str, list[float]] = {
        "z": z,
        "zm2": (edge + z)[:n],
        "zm1": (edge[:1] + z)[:n],
        "zp1": z[1:] + edge[:min(n, 1)],
        "zp2": z[2:] + edge[:min(n, 2)],
        "m2": mean_around(2),
        "m6": mean_around(6),
        "before": list(map(truediv, cum[:n], totals)),
        "after": list(map(truediv, map(sub, totals, cum[1:]), totals)),
        "past_end": [0.0] * (n - after_end) + [1.0] * after_end,
        "dist_end": [0.0] * (n - after_end) + lg[1:after_end + 1],
        "before_start": [1.0] * first_sure + [0.0] * (n - first_sure) if sure_idx else [0.0] * n,
        "dist_start": lg[first_sure:0:-1] + [0.0] * (n - first_sure) if sure_idx else [0.0] * n,
        "gap_prev": gap_prev,
        "gap_next": gap_next,
    }
    if paths:
        _root_columns(cols, paths, p, w, pw, total)
    return cols


def _root_columns(cols: dict[str, list[float]], paths: list[tuple[int, ...]], p: list[float], w: list[int],
                  pw: list[float], total: float) -> None:
    """HTML: how much likely story each element holds, and the element that
    holds the story (the deepest one with most of it)."""
    # Each block's mass goes to its own element, then every element's to
    # its parent, children first (a child's serial number is higher).
    mass: dict[int, list[float]] = {}
    parent: dict[int, int] = {}
    # Each block's likely story (pw) and its likely rest.
    for path, a, b in zip(paths, pw, map(mul, map(sub, repeat(1.0), p), w)):
        if not path:
            continue
        k = len(path) - 1
        acc = mass.get(path[k])
        if acc is None:
            acc = mass[path[k]] = [0.0, 0.0]
        acc[0] += a
        acc[1] += b
        while k > 0 and path[k] not in parent:
            parent[path[k]] = path[k - 1]
            k -= 1
            if path[k] not in mass:
                mass[path[k]] = [0.0, 0.0]
    for eid in sorted(parent, reverse=True):
        a, b = mass[eid]
        acc = mass[parent[eid]]
        acc[0] += a
        acc[1] += b
    best = -1.0
    root = -1
    enough = 0.6 * total
    for eid, (a, b) in mass.items():
        # Most of the story, little else; deeper elements win ties (their
        # serial numbers are higher).
        if a >= enough:
            v = a - 0.5 * b
            if v > best or (v == best and eid > root):
                best, root = v, eid
    inside = [root in path for path in paths] if root >= 0 else [False] * len(paths)
    cols["in_root"] = [1.0 if k else 0.0 for k in inside]
    cols["below_root"] = [min(len(path) - 1 - path.index(root), 10) / 10.0 if k else 0.0
                          for path, k in zip(paths, inside)]
    cols["out_root"] = [0.0 if k or root < 0 else 1.0 for k in inside]
    # An ancestor's share of likely story in its text, and of the page's.
    none = (0.0, 0.0)
    for back, name in ((2, "c2"), (3, "c3"), (4, "c4"), (6, "c6")):
        held = [mass[path[-back]] if len(path) >= back else none for path in paths]
        cols[name] = [a / (a + b) if a + b else 0.0 for a, b in held]
        cols[name + "s"] = [a / total for a, _b in held]


def context_features(z: list[float], feats: list[dict[str, float]], words: list[int],
                     paths: list[tuple[int, ...]] | None = None,
                     shapes: dict[str, list[float]] | None = None) -> list[dict[str, float]]:
    """`context_columns` as one dict of the features per block (for fitting)."""
    cols = context_columns(z, feats, words, paths, shapes=shapes)
    names = list(cols)
    return [dict(zip(names, row)) for row in zip(*cols.values())]


#: Scores beyond +-SURE are read as +-SURE when they are made probabilities.
SURE = 8.0


def choose(z: list[float], words: list[int], calibration: tuple[float, float], weight: float) -> list[bool]:
    """The blocks of one page to show, from the model's final scores `z`.

    The page's score is its precision and recall averaged over pages, so
    each page is cut where it scores best: with every block's chance of
    being story (`calibration`'s a and b: 1 / (1 + exp(-(a * z + b)))) and
    its 4-grams (words - 3), the blocks are taken from the likeliest down,
    as far as the expected precision plus `weight` times the expected
    recall of the page grows. So the cut moves with the page: a block of
    middling chance is shown where the page's story is in doubt (its recall
    is at stake) and folded under a story that is clear."""
    n = len(z)
    if not n:
        return []
    a, b = calibration
    p = _chances([a * (SURE if v > SURE else -SURE if v < -SURE else v) + b for v in z])
    grams = [w - 3 if w > 4 else 1 for w in words]
    order = sorted(range(n), key=z.__getitem__, reverse=True)
    total = sum(map(mul, p, grams)) or 1.0
    story = shown = 0.0
    best, cut = -1.0, 0
    for k, i in enumerate(order, 1):
        story += p[i] * grams[i]
        shown += grams[i]
        value = story / shown + weight * story / total
        if value > best:
            best, cut = value, k
    keep = [False] * n
    for i in order[:cut]:
        keep[i] = True
    return keep


def _vector(f: dict[str, float], slot: dict[str, int], width: int) -> list[float]:
    """The features of a block in the trees' order (a name no tree reads
    lands in the place past the last, which is dropped)."""
    x = [0.0] * (width + 1)
    for k, v in f.items():
        x[slot[k]] = v
    x.pop()
    return x


class Model:
    """One input format's model: features by name in, a decision per block out."""

    def __init__(self, module: Any) -> None:
        self.features = list(module.FEATURES)
        self.index = {name: j for j, name in enumerate(self.features)}
        # Only the class/id words some tree asks about are worth collecting.
        self.vocab = frozenset(w for w in module.VOCAB if f"cls_{w}" in self.index or f"ncls_{w}" in self.index)
        # Where the model cuts each page itself (`choose`), its final stage
        # gives scores; else decisions at its THRESHOLD.
        self.weight = getattr(module, "STORY_WEIGHT", None)
        self.calibration = getattr(module, "CALIBRATION", None)
        self.features2 = list(module.FEATURES2) if module.FEATURES2 else None
        self.passed = frozenset(self.features2 or ())
        self._stage1 = module.stage1
        self._stage2 = getattr(module, "stage2", None)
        # Each feature's place in a vector; any other name is given the
        # place past the last (and remembered, a lookup that finds it is faster).
        self._slot = defaultdict(repeat(len(self.features)).__next__, self.index)
        # The stage-1 features stage 2 reads as they are, with their places.
        self._pass = [(k, self.index.get(k)) for k in _PASS if k in self.passed]
        # Whether stage 2 reads how an HTML page repeats its blocks' shapes.
        self.shaped = any(name.startswith("shape") for name in self.features2 or ())

    def keep(self, feats: list[dict[str, float]], words: list[int],
             paths: list[tuple[int, ...]] | None = None, furniture: list[bool] | None = None,
             shapes: dict[str, list[float]] | None = None) -> list[bool]:
        """Whether each block belongs to the article. The blocks `furniture`
        marks do not, and are not read (see features.furniture_outside_story):
        to the page's other blocks they count as sure furniture. `paths` and
        `shapes` (`features.block_shapes`) are an HTML page's."""
        slot, width = self._slot, len(self.features)
        n = len(feats)
        # The blocks the model reads (None: all of them).
        read = [i for i in range(n) if not furniture[i]] if furniture is not None and any(furniture) else None
        if read is not None:
            feats = [feats[i] for i in read]
        vectors = [_vector(f, slot, width) for f in feats]
        # Stage 1's scores; without a stage 2, its decisions (or its
        # scores, for `choose`).
        decided = list(map(self._stage1, vectors))
        if self.features2 and vectors:
            first = decided
            if read is not None:
                first = [-CLIP] * n
                for i, z in zip(read, decided):
                    first[i] = z
            cols = _page_columns(first, words, paths)
            if shapes:
                cols.update(shapes)
            if read is not None:
                pick = itemgetter(*read)
                cols = {k: list(pick(v)) if len(read) > 1 else [v[read[0]]] for k, v in cols.items()}
            for k, j in self._pass:
                cols[k] = list(map(itemgetter(j), vectors)) if j is not None else [fi.get(k, 0.0) for fi in feats]
            zero = [0.0] * len(vectors)
            decided = list(map(self._stage2, zip(*[cols.get(name, zero) for name in self.features2])))
        if self.weight is not None:
            decided = choose(decided, words if read is None else [words[i] for i in read], self.calibration,
                             self.weight)
        if read is None:
            return decided
        out = [False] * n
        for i, k in zip(read, decided):
            out[i] = k
        return out


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
