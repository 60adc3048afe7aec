"""Fit the folding model on the tuning part of the WCXB corpus.

    /work/benchvenv/bin/python benchmarks/train_fold.py [--corpus DIR] [--write]

Needs scikit-learn (in a separate environment: reader itself never imports
it). Pages are parsed exactly as `reader fold` parses them; each block is
labelled content when most of its word 4-grams belong to the page's labelled
main content. Domains that `wcxb.is_heldout` sets aside are never used here
except for the report at the end.

Two logistic regressions per input format: the first scores each block from
its own features and its neighbours'; the second smooths those scores along
the page (its inputs are the first model's scores around the block, taken
out-of-fold while training). With --write the weights go to
reader/core/fold/model.json, which the package evaluates in plain Python.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wcxb import DEFAULT_CORPUS, REPO, aggregate, load_pages, page_counts, shingles  # noqa: E402

from reader.core.fold import model as fold_model  # noqa: E402
from reader.core.fold.model import stage2_features  # noqa: E402
from reader.core.fold.features import class_tokens, page_features  # noqa: E402
from reader.core.ingest import MAX_BLOCKS  # noqa: E402
from reader.core.ingest.decode import decode  # noqa: E402
from reader.core.ingest.html import parse_html  # noqa: E402
from reader.core.ingest.plaintext import parse_text  # noqa: E402
from reader.core.models import Block  # noqa: E402

_TOKEN = re.compile(r"\w+")


def parse(page, fmt: str):
    if fmt == "html":
        text, _enc = decode(gzip.decompress(page.html_path.read_bytes()), html=True)
        hp = parse_html(text)
        blocks, title = hp.blocks, hp.title
    else:
        data = page.text_path.read_bytes()
        if not data.strip():
            return [], None
        text, _enc = decode(data, html=False)
        blocks, title = parse_text(text), None
    if len(blocks) > MAX_BLOCKS:
        rest = blocks[MAX_BLOCKS - 1:]
        blocks = blocks[: MAX_BLOCKS - 1] + [Block("paragraph", "\n".join(b.text for b in rest))]
    return blocks, title


def label_blocks(blocks: list[Block], truth: str) -> list[int]:
    t_sh = shingles(truth)
    lines = {" ".join(_TOKEN.findall(line)) for line in truth.split("\n") if line.strip()}
    joined = " " + " ".join(_TOKEN.findall(truth)) + " "
    labels = []
    for b in blocks:
        toks = _TOKEN.findall(b.text)
        if len(toks) >= 4:
            sh = shingles(b.text)
            hit = sum(1 for g in sh if g in t_sh)
            labels.append(int(hit >= 0.5 * len(sh)))
        elif not toks:
            labels.append(0)
        else:
            norm = " ".join(toks)
            labels.append(int(norm in lines or (len(toks) >= 2 and f" {norm} " in joined)))
    return labels


def matrix(rows: dict, ids: list[str]):
    X_f, y, w, groups, index = [], [], [], [], []
    for pid in ids:
        blocks, feats, labels, weights, domain = rows[pid]
        for k in range(len(blocks)):
            X_f.append(feats[k])
            y.append(labels[k])
            w.append(weights[k])
            groups.append(domain)
            index.append((pid, k))
    return X_f, y, w, groups, index


def fit_stage1(rows: dict, ids: list[str], trees: int, min_count: int = 40):
    """Gradient-boosted trees over the features seen at least `min_count` times.

    Shallow trees (depth 4) and few of them: evaluated in plain Python, each
    costs four comparisons a block."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    X_f, y, w, _groups, _index = matrix(rows, ids)
    counts: Counter = Counter(k for f in X_f for k in f)
    names = sorted(k for k, c in counts.items() if c >= min_count)
    col = {k: j for j, k in enumerate(names)}
    X = np.zeros((len(X_f), len(names)), dtype=np.float32)
    for r, f in enumerate(X_f):
        for k, v in f.items():
            j = col.get(k)
            if j is not None:
                X[r, j] = v
    m = HistGradientBoostingClassifier(max_iter=trees, max_leaf_nodes=15, max_depth=4, learning_rate=0.2,
                                       class_weight={0: 1.0, 1: 2.0}, early_stopping=False)
    m.fit(X, np.array(y), sample_weight=np.array(w))
    return m, names


def stage1_predict(m, names: list[str], feats: list[dict[str, float]]) -> list[float]:
    import numpy as np

    col = {k: j for j, k in enumerate(names)}
    X = np.zeros((len(feats), len(names)), dtype=np.float32)
    for r, f in enumerate(feats):
        for k, v in f.items():
            j = col.get(k)
            if j is not None:
                X[r, j] = v
    return [float(v) for v in m.predict_proba(X)[:, 1]] if len(feats) else []


def fit_stage2(rows: dict, ids: list[str], p1: dict[str, list[float]]):
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    X2_f, y, w = [], [], []
    for pid in ids:
        X2_f.extend(stage2_features(p1.get(pid, []), rows[pid][1]))
        y.extend(rows[pid][2])
        w.extend(rows[pid][3])
    dv = DictVectorizer()
    X2 = dv.fit_transform(X2_f)
    m2 = LogisticRegression(C=1.0, max_iter=3000, class_weight={0: 1.0, 1: 2.0})
    m2.fit(X2, np.array(y), sample_weight=np.array(w))
    return {"bias": round(float(m2.intercept_[0]), 6),
            "w": {k: round(float(c), 6) for k, c in zip(dv.feature_names_, m2.coef_[0]) if abs(c) > 1e-6}}


def fit_all(rows: dict, ids: list[str], vocab: frozenset[str], trees: int, stage2: bool, folds: int = 4):
    """Both stages on the pages `ids` (stage-2 inputs taken out of fold)."""
    from sklearn.model_selection import GroupKFold

    m1, names = fit_stage1(rows, ids, trees)
    s2 = None
    if stage2:
        p1: dict[str, list[float]] = {}
        doms = [rows[i][4] for i in ids]
        for tr, te in GroupKFold(n_splits=folds).split(ids, groups=doms):
            m, nm = fit_stage1(rows, [ids[k] for k in tr], trees)
            for k in te:
                p1[ids[k]] = stage1_predict(m, nm, rows[ids[k]][1])
        s2 = fit_stage2(rows, ids, p1)
    return m1, names, s2


def trees_of(m) -> tuple[float, list]:
    """(baseline, [nodes of each tree]) of a fitted HistGradientBoostingClassifier."""
    base = float(m._baseline_prediction.ravel()[0])
    trees = []
    for per_iter in m._predictors:
        nodes = per_iter[0].nodes
        trees.append([
            (bool(n["is_leaf"]), int(n["feature_idx"]), float(n["num_threshold"]), int(n["left"]), int(n["right"]),
             float(n["value"]))
            for n in nodes
        ])
    return base, trees


def write_module(path: Path, fmt: str, m1, names: list[str], s2, vocab: frozenset[str], threshold: float) -> None:
    """The model as plain Python: nested comparisons, one block per tree."""
    base, trees = trees_of(m1)
    # Only the features the trees split on are kept, renumbered.
    used = sorted({feat for nodes in trees for (leaf, feat, *_rest) in nodes if not leaf})
    renum = {old: new for new, old in enumerate(used)}
    names = [names[j] for j in used]
    trees = [[(leaf, renum.get(feat, -1), thr, left, right, value) for (leaf, feat, thr, left, right, value) in nodes]
             for nodes in trees]
    out = [
        f'"""The folding model for {fmt} input. Generated by benchmarks/train_fold.py: do not edit."""',
        "",
        "# fmt: off",
        f"FEATURES = {names!r}",
        f"VOCAB = {sorted(vocab)!r}",
        f"THRESHOLD = {threshold!r}",
        f"STAGE2 = {s2!r}",
        "",
        "",
        "def score(x):",
        f"    s = {base!r}",
    ]

    def emit(nodes, i, depth):
        leaf, feat, thr, left, right, value = nodes[i]
        pad = "    " * depth
        if leaf:
            out.append(f"{pad}s += {value!r}")
            return
        out.append(f"{pad}if x[{feat}] <= {thr!r}:")
        emit(nodes, left, depth + 1)
        out.append(f"{pad}else:")
        emit(nodes, right, depth + 1)

    for nodes in trees:
        emit(nodes, 0, 1)
    out.append("    return s")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def score_at(rows: dict, truths: dict, probs: dict, ids: list[str], thr: float):
    counts = []
    for pid in ids:
        blocks = rows[pid][0]
        vis = "\n\n".join(b.text for b, q in zip(blocks, probs[pid]) if q >= thr)
        counts.append(page_counts(vis, truths[pid]))
    return aggregate(counts), counts


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--modes", default="html,text")
    ap.add_argument("--write", action="store_true", help="write reader/core/fold/model_<mode>.py")
    ap.add_argument("--cv", type=int, default=0, help="cross-validate on the tuning pages first (N folds by domain) "
                    "and take the threshold from it")
    ap.add_argument("--trees", type=int, default=0, help="boosting rounds (default: per mode)")
    ap.add_argument("--threshold", type=float, default=0.0, help="use this threshold (default: from --cv, else 0.4)")
    ap.add_argument("--recall", type=float, default=0.0,
                    help="the cross-validated recall the threshold must keep (default: per mode)")
    ap.add_argument("--dump", type=Path, help="per-page scores as JSON lines")
    args = ap.parse_args()
    from sklearn.model_selection import GroupKFold

    pages = load_pages(args.corpus)
    tune = [p for p in pages if not p.heldout]
    heldout = [p.id for p in pages if p.heldout]
    truths = {p.id: p.truth["main_content"] for p in pages}
    dump = args.dump.open("w") if args.dump else None
    for fmt in args.modes.split(","):
        trees = args.trees or TREES[fmt]
        args_recall = args.recall or RECALL[fmt]
        stage2 = STAGE2[fmt]
        t0 = time.time()
        parsed = {p.id: parse(p, fmt) for p in pages}
        vocab: frozenset[str] = frozenset()
        if fmt == "html":
            df: Counter = Counter()
            for p in tune:
                df.update(class_tokens(parsed[p.id][0]))
            vocab = frozenset(w for w, c in df.items() if c >= 12)
        rows = {}
        for p in pages:
            blocks, title = parsed[p.id]
            feats, stats = page_features(blocks, fmt, vocab, title)
            labels = label_blocks(blocks, truths[p.id])
            weights = [1.0 + min(s.words, 200) ** 0.5 for s in stats]
            rows[p.id] = (blocks, feats, labels, weights, p.domain)
        print(f"[{fmt}] parsed and featured in {time.time() - t0:.0f}s; vocab {len(vocab)}", flush=True)
        tune_ids = [p.id for p in tune]
        probs: dict[str, list[float]] = {}
        thr = args.threshold or 0.4
        if args.cv:
            doms = [rows[i][4] for i in tune_ids]
            for tr, te in GroupKFold(n_splits=args.cv).split(tune_ids, groups=doms):
                m1, names, s2 = fit_all(rows, [tune_ids[k] for k in tr], vocab, trees, stage2)
                for k in te:
                    pid = tune_ids[k]
                    p = stage1_predict(m1, names, rows[pid][1])
                    if s2:
                        p = fold_model.stage2(p, rows[pid][1], s2)
                    probs[pid] = p
            best = None
            for t in [x / 100 for x in range(10, 81, 5)]:
                (f1, pr, rc), _ = score_at(rows, truths, probs, tune_ids, t)
                print(f"  cv threshold {t:.2f}: F1 {f1:.3f} P {pr:.3f} R {rc:.3f}", flush=True)
                # The best F1 among thresholds that keep the recall asked
                # for; failing that, the best recall.
                key = (rc >= args_recall, f1 if rc >= args_recall else rc)
                if best is None or key > best[0]:
                    best = (key, t)
            if not args.threshold:
                thr = best[1]
        m1, names, s2 = fit_all(rows, tune_ids, vocab, trees, stage2)
        target = REPO / "reader" / "core" / "fold" / f"model_{fmt}.py"
        if args.write:
            write_module(target, fmt, m1, names, s2, vocab, thr)
            print(f"wrote {target}")
        for pid in heldout:
            p = stage1_predict(m1, names, rows[pid][1])
            probs[pid] = fold_model.stage2(p, rows[pid][1], s2) if s2 else p
        for part, ids in (("tune (cv)", tune_ids if args.cv else []), ("held-out", heldout)):
            if not ids:
                continue
            (f1, pr, rc), counts = score_at(rows, truths, probs, ids, thr)
            print(f"[{fmt}] {part}: F1 {f1:.3f} P {pr:.3f} R {rc:.3f} (threshold {thr})", flush=True)
            if dump:
                for pid, c in zip(ids, counts):
                    dump.write(json.dumps({"fmt": fmt, "id": pid, "part": part, "counts": c}) + "\n")
    if dump:
        dump.close()
    return 0


#: Boosting rounds, and whether the smoothing stage is used, per input format.
TREES = {"html": 80, "text": 80}
#: The cross-validated recall each threshold must keep: a little above the
#: targets (0.97 on html, 0.95 on text), since a folded story paragraph costs
#: the reader more than a visible menu.
RECALL = {"html": 0.974, "text": 0.954}
STAGE2 = {"html": False, "text": False}


if __name__ == "__main__":
    raise SystemExit(main())
