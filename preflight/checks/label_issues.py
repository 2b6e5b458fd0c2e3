"""rows whose label disagrees with what the rest of the data predicts for them.

Confident learning (cleanlab) on out-of-sample probabilities: the user's own
(--pred-probs), or cross-validated scikit-learn models fitted on preflight's
transformed features (or the user's --features).

Why: mislabeled rows cap what any model can learn and corrupt the evaluation; they
are found by looking, not tuning.

Severity follows the flagged fraction: info below warn_fraction, error from error_fraction.
Skill guard: confident learning cannot tell a label error from a correct but hard example
that sits among another class. Where the features barely predict the label, every hard
example looks mislabeled; so when skill = (accuracy - majority share) / (1 - majority share)
of the out-of-sample predictions is below min_skill, the finding is downgraded to info and
says so. An error needs a demonstrably good model besides error_fraction: skill at least
error_min_skill and out-of-sample probabilities that mean what they say (expected calibration
error, the confidence-weighted gap between stated confidence and accuracy over 10 bins, at most
max_calibration_error); short of either the finding stays a warning and says which.
Tables with free text (columns of kind text): TF-IDF word features of the texts, the other
model columns joined in, and a linear model trained by SGD (learn/text_labels.py); --features
replaces them as on any table.
Above max_rows labelled rows the models are fitted on a stratified content-keyed
sample of max_rows rows (cross-validated there) and score every other row; the finding says so.
Tables above sample_rows rows keep their features' arrays for the content-keyed row sample
only: the models are chosen and fitted there as above, and pass 2 scores every other labelled
row with them by the sample's rule (learn/label_scoring.py); the finding covers every labelled
row and says so (pixel-like tables through the same scaling and principal components); with --features
(every row's, in memory) the models fit on the max_rows sample and score every row; --pred-probs judges
every row.
Above max_classes classes the rule skips, saying so: memory grows with rows x classes (the
out-of-sample probabilities) and classes x classes (the confident joint), and a 100,000-class
label would need a 100,000 x 100,000 array.

Example: row 346 is labelled 'yes' but its out-of-sample probability of 'no' leads by more
than 0.5; details.issues lists the given and suggested labels and a score per row.

Fix: review the flagged rows worst first and correct the wrong labels; pass your own
model's out-of-sample probabilities (--pred-probs) or embeddings (--features) for a
sharper search."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from preflight.checks.base import Check, Context, Scoring, pct, preview
from preflight.findings import Finding
from preflight.params import Interval
from preflight.workers import worker_count

if TYPE_CHECKING:
    from preflight.learn.crossval import FittedMix
    from preflight.learn.label_scoring import FlaggedLabels
    from preflight.learn.pixels import PixelMap


class LabelIssues(Check):
    name = "label-issues"
    code = "PF304"
    summary = (
        "Rows whose given label disagrees confidently with out-of-sample predictions (confident learning).")
    report_section = "label-issues"
    kinds = frozenset({"tabular", "images"})
    needs = frozenset({"label"})
    params = {"min_rows": Interval(int, 10, None), "max_rows": Interval(int, 100, None),
              "max_classes": Interval(int, 2, None),
              "warn_fraction": Interval(float, 0.0, 1.0),
              "error_fraction": Interval(float, 0.0, 1.0),
              "min_skill": Interval(float, -1.0, 1.0),
              "error_min_skill": Interval(float, -1.0, 1.0),
              "max_calibration_error": Interval(float, 0.0, 1.0)}

    def score(self, profile, ctx: Context) -> Scoring | None:
        """Above sample_rows rows (built-in models on a table without free text, no --pred-probs or
        --features): the models fitted on the row sample score every other row in pass 2."""
        if (profile.kind != "tabular" or profile.kept is None or profile.task != "classification"
                or profile.pred_probs is not None or profile.user_features is not None or profile.text_columns):
            return None
        return self._scoring(profile, ctx)

    def _scoring(self, profile, ctx: Context) -> Scoring:
        from preflight.learn.crossval import MIN_CLASS_ROWS
        from preflight.learn.label_issues import FILTER_BY
        from preflight.learn.label_scoring import Flags, confident_thresholds
        from preflight.profile.tabular import matrix_columns

        found = self._search(profile, ctx, final=True)
        if isinstance(found, list) or found.final is None:  # skipped
            return found, None
        specs, names, _ = matrix_columns(profile)
        k = len(profile.classes)
        info = found.info
        joint = None if info["method"] == FILTER_BY else confident_thresholds(found.probs, found.y, k)
        flags = Flags(specs, len(names), profile.label.name, tuple(profile.classes), profile.label.kind == "numeric",
                      np.asarray(profile.kept, np.int64), np.bincount(found.y, minlength=k) >= MIN_CLASS_ROWS,
                      found.final, joint, float(info["max_quality"]), info.get("max_given"), ctx.max_rows,
                      worker_count(ctx.settings), found.pixels)
        got = yield {"flags": flags}
        return found, got["flags"]

    def run(self, profile, ctx: Context) -> list[Finding]:
        if ctx.scored is not None:  # above sample_rows: the sample's search and pass 2's rows (score)
            found, flags = ctx.scored
            if isinstance(found, list):
                return found
            labelled = int(np.count_nonzero(profile.y >= 0)) if flags is not None else None
            return self._report(found, ctx, flags, labelled)
        found = self._search(profile, ctx)
        return found if isinstance(found, list) else self._report(found, ctx)

    def _search(self, profile, ctx: Context, final: bool = False) -> Search | list[Finding]:
        """The search on the rows whose features are kept (the row sample above sample_rows): the
        issues among them, or the one finding saying why it cannot run. final: also the fitted
        models (Search.final) where the built-in models on the model matrix decide."""
        from preflight.learn.crossval import one_thread, stratified_sample
        from preflight.learn.label_issues import find_label_issues, label_issues_from_features

        p, seed = ctx.params, ctx.settings["seed"]
        if profile.task != "classification":
            return [ctx.skipped("the label is a regression target; confident learning needs classes "
                                "(outliers and target-scale cover regression targets)")]
        images = profile.kind == "images"
        at = None  # above sample_rows rows a table's feature cells are the row sample's (profile/keep.py);
        if not images and profile.pred_probs is None and profile.user_features is None:
            profile, at = profile.sampled  # the user's probabilities and features are every row's
        keep = (profile.y >= 0) & (profile.readable if images else True)
        labelled = np.flatnonzero(keep)
        y = profile.y[labelled]
        k = len(profile.classes)
        if labelled.size < p["min_rows"] or k < 2:
            return [ctx.skipped(f"{labelled.size} labelled rows in {k} class(es); needs at least "
                                f"{p['min_rows']} rows and 2 classes")]
        if k > p["max_classes"]:  # memory grows with rows x classes and classes x classes
            return [ctx.skipped(f"{k:,} classes, more than max_classes={p['max_classes']:,}: the models would hold a "
                                f"{min(labelled.size, p['max_rows']):,} x {k:,} probability matrix and a {k:,} x {k:,} "
                                "confident joint, with few rows per class to learn from (raise max_classes if the "
                                "memory is there)")]
        sample, fitted, pixels = None, None, None
        pred_probs = profile.pred_probs
        if pred_probs is not None:  # the user's probabilities: scoring every row is cheap
            probs = pred_probs[labelled]
            issues, info = find_label_issues(probs, y), {"source": "--pred-probs"}
        elif profile.kind == "tabular" and profile.user_features is None and profile.text_columns:
            from preflight.learn.text_labels import text_label_issues

            if labelled.size > p["max_rows"]:
                sample = stratified_sample(profile.feature_hash[labelled], y, p["max_rows"])
            issues, info = text_label_issues(profile, labelled, y, k, seed=seed, sample=sample)
            probs = info.pop("pred_probs")
            info = {"source": "built-in text model (TF-IDF + linear, SGD)", **info}
        else:
            from preflight.learn.pixels import pixel_features, shared_range

            features = profile.user_features
            span = shared_range(profile.columns) if features is None and not images else None
            hashes = profile.feature_hash[labelled]  # content, not position, keys folds and sample
            if labelled.size > p["max_rows"]:  # bounded cost: fit on a sample, score every row
                sample = stratified_sample(hashes, y, p["max_rows"])
            chosen: dict = {}
            if span is not None:  # pixels: one scale, principal components (learn/pixels.py)
                with one_thread():
                    x, chosen, pixels = pixel_features(profile.columns, labelled, span, seed=seed, sample=sample)
            else:
                x = features if features is not None else profile.matrix[0]
                if x.shape[1] == 0:
                    return [ctx.skipped("no usable features (every column was dropped)")]
                x = x if labelled.size == x.shape[0] else x[labelled]  # no copy of a million rows
            if images and features is None:
                with one_thread():
                    x, chosen = _image_features(x, profile.signals.ycc[labelled], y, hashes, seed, sample)
            # the image representation was chosen with the fixed model mix: keep it there
            final = final and not images and features is None
            issues, info = label_issues_from_features(x, y, k, seed=seed, hashes=hashes, sample=sample,
                                                      adapt=not images, final=final,
                                                      threads=worker_count(ctx.settings))
            fitted = info.pop("final", None)
            info.update(chosen)
            probs = info.pop("pred_probs")
            info["unscored_rows"] = [int(labelled[r] if at is None else at[labelled[r]])
                                     for r in info.get("unscored_rows", [])]
            info = {"source": "--features" if features is not None else "built-in models", **info}
        return Search(profile, at, labelled, y, images, sample, issues, info, probs, fitted, pixels)

    def _report(self, found: Search, ctx: Context, flags: FlaggedLabels | None = None,
                everyone: int | None = None) -> list[Finding]:
        """The finding: the search's issues, and with `flags` pass 2's among the `everyone`
        labelled rows of the table."""
        from preflight.learn.label_issues import skill

        p = ctx.params
        profile, at, labelled, y, images = found.profile, found.at, found.labelled, found.y, found.images
        sample, issues, info, probs = found.sample, found.issues, found.info, found.probs
        rows = labelled[issues.rows] if at is None else at[labelled[issues.rows]]
        given, suggested, scores = issues.given, issues.suggested, issues.scores
        count, searched = rows.size, labelled.size
        if flags is not None and everyone is not None:  # worst first over both, ties by row number
            rows, scores = np.concatenate([rows, flags.rows]), np.concatenate([scores, flags.scores])
            given, suggested = np.concatenate([given, flags.given]), np.concatenate([suggested, flags.suggested])
            order = np.lexsort((rows, scores))
            rows, scores, given, suggested = rows[order], scores[order], given[order], suggested[order]
            count, searched = count + flags.count, everyone
        if count == 0:
            return []
        fraction = count / searched
        severity = ("error" if fraction >= p["error_fraction"] else
                    "warning" if fraction >= p["warn_fraction"] else "info")
        cls = profile.classes
        acc, base, sk = skill(probs, y)
        where = [profile.files[r] for r in rows] if images else [str(r) for r in rows]
        shown = [f"{w} ({cls[g]!r} -> {cls[s]!r})" for w, g, s in zip(where[:3], given[:3], suggested[:3])]
        ece = calibration_error(probs, y)
        short = [f"skill {sk:.2f} < error_min_skill {p['error_min_skill']:g}"] if sk < p["error_min_skill"] else []
        if ece > p["max_calibration_error"]:
            short.append(f"calibration error {ece:.3f} > max_calibration_error {p['max_calibration_error']:g}")
        demoted = ""
        if severity == "error" and short:
            severity = "warning"
            demoted = f"; a warning, not an error: the model is not demonstrably good ({', '.join(short)})"
        if sk < p["min_skill"]:
            severity, demoted = "info", ""
            verdict = (f"disagree with out-of-sample predictions ({preview(shown, 3)}), but the features predict "
                       f"the label only weakly (accuracy {acc:.3f} vs {base:.3f} for the majority class; skill "
                       f"{sk:.2f} < min_skill {p['min_skill']:g}): they are as likely hard examples as label errors")
        else:
            verdict = (f"look mislabeled, worst first: {preview(shown, 3)}; review them "
                       "(given vs suggested label in details)")
        sampled = (f" (models fitted on a stratified sample of {sample.size:,} of {labelled.size:,} labelled "
                   f"{'images' if images else 'rows'}; every one scored)" if sample is not None else "")
        if at is not None and flags is not None:
            fit = sample.size if sample is not None else labelled.size
            sampled = (f" (models fitted on a content-keyed sample of {fit:,} labelled rows, "
                       f"every one of the {searched:,} scored)")
        elif at is not None:
            sampled += f" (measured on a content-keyed sample of {at.size:,} rows)"
        unit = "images" if images else "rows"
        key = "file" if images else "row"
        listed = int(ctx.settings.get("max_listed_rows", 10_000))  # details.issues follows the listed rows
        return [ctx.finding(
            f"{count} {unit} ({pct(count, searched)}) {verdict}{sampled}{demoted}",
            severity=severity, count=count, truncated=count > rows.size,
            **({"files": where} if images else {"rows": rows}),
            details={"issues": [{key: w if images else int(w), "given": cls[int(g)], "suggested": cls[int(s)],
                                 "score": round(float(q), 6)}
                                for w, g, s, q in zip(where[:listed], given, suggested, scores)],
                     "fraction": round(fraction, 6), "searched_rows": int(searched),
                     "sample_rows": _fitted_rows(found, flags is not None),
                     "skill": {"accuracy": round(acc, 6), "majority_baseline": round(base, 6), "skill": round(sk, 6),
                               "calibration_error": round(ece, 6)},
                     "model": {k_: v for k_, v in info.items() if isinstance(v, (str, int, float, list, dict))}})]


@dataclass(frozen=True)
class Search:
    """The search on the kept rows: `profile` is the view it ran on, `at` its rows' numbers in the
    table (None: every row), `labelled` its labelled rows and `y` their classes; the issues among
    them (indices into labelled), the models' info and probabilities; `sample` the rows the models
    were fitted on when fewer than labelled (max_rows); `final` the fitted models, when asked, and
    `pixels` the map from a pixel-like table's cells to what they see."""

    profile: Any
    at: np.ndarray | None
    labelled: np.ndarray
    y: np.ndarray
    images: bool
    sample: np.ndarray | None
    issues: Any
    info: dict
    probs: np.ndarray
    final: FittedMix | None
    pixels: PixelMap | None = None


def _fitted_rows(found: Search, every: bool) -> int | None:
    """details.sample_rows: the rows the models were fitted on, when not every searched row."""
    if found.sample is not None:
        return int(found.sample.size)
    return int(found.labelled.size) if every else None


def calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the top-class probability: over 10 equal-width confidence
    bins, the row-weighted mean |accuracy - mean confidence|. 0: a 0.9 means right 9 times in 10."""
    if len(y) == 0:
        return 0.0
    conf = probs.max(axis=1)
    right = probs.argmax(axis=1) == y
    which = np.minimum((conf * bins).astype(np.int64), bins - 1)
    n = np.bincount(which, minlength=bins)
    gap = np.abs(np.bincount(which, right, bins) - np.bincount(which, conf, bins))
    return float(gap.sum() / len(y)) if n.sum() else 0.0


IMAGE_COMPONENTS = 64
ROWS_PER_COMPONENT = 20  # whitening scales noise directions up as much as signal: keep them few
SELECT_ROWS = 4000  # rows whose cross-validated log loss chooses the image representation


def _image_features(x: np.ndarray, ycc: np.ndarray, y: np.ndarray, hashes: np.ndarray, seed: int,
                    sample: np.ndarray | None) -> tuple[np.ndarray, dict]:
    """The image representation the models see, chosen per dataset: the thumbnail and colour
    histogram (`x`), or the gradient histograms of the luma thumbnail (`_gradients`), each on
    its whitened principal components; whichever a logistic regression predicts the labels
    better from (3-fold log loss on the SELECT_ROWS images with the lowest content hashes, among
    those the models are fitted on). Colour tells some classes apart (a red class, a green one),
    stroke shapes others (handwritten digits: precision 0.26 -> 0.6 at 40 files in 5,000 moved;
    benchmarks/image_quality.py --labels). Only the chosen one is computed for every image; the
    gradients' components are those fitted on the choosing images (a 960-wide PCA is the cost)."""
    from preflight.kernels.hashing import splitmix64

    pool = np.arange(len(y)) if sample is None else np.asarray(sample)
    rank = np.argsort(splitmix64(np.asarray(hashes, dtype=np.uint64)[pool] ^ np.uint64(seed)), kind="stable")
    rows = np.sort(pool[rank[:SELECT_ROWS]])
    build = {"thumbnail": lambda r: x if r is None else x[r],
             "gradients": lambda r: _gradients(ycc if r is None else ycc[r])}
    fitted, losses = {}, {}
    for name, make in build.items():  # components fitted on the choosing rows, reused for every row
        part = make(rows)
        fitted[name] = _components(part, seed)
        z = part if fitted[name] is None else fitted[name].transform(part)
        losses[name] = _log_loss(z, y[rows], hashes[rows], seed)
    name = min(losses, key=lambda m: (losses[m], m))
    rounded = {m: round(v, 6) for m, v in losses.items()}
    info = {"image_features": name, "image_feature_log_loss": rounded}
    if name == "thumbnail":  # cheap to refit: the components as before, on every (sampled) image
        return _principal(x, seed, sample), info
    every = build[name](None)
    return every if fitted[name] is None else fitted[name].transform(every), info


def _components(fit: np.ndarray, seed: int):
    """The whitened PCA _principal would fit on these rows, or None where it keeps the features."""
    from sklearn.decomposition import PCA

    n = min(IMAGE_COMPONENTS, fit.shape[1], fit.shape[0] - 1, max(2, fit.shape[0] // ROWS_PER_COMPONENT))
    if n < 2 or n >= fit.shape[1]:
        return None
    return PCA(n_components=n, whiten=True, random_state=seed).fit(fit)


def _gradients(ycc: np.ndarray, bins: int = 12, chunk: int = 8192) -> np.ndarray:
    """HOG-like features of the 16x16 luma (the `ycc` signal's first 256 cells): per cell of a 4x4
    and of an 8x8 grid, a histogram of gradient directions (signed, `bins` of them, each pixel's
    vote split between the two nearest) weighted by gradient size; square roots of each image's
    shares (Hellinger), so that contrast does not matter and no cell dominates."""
    from preflight.profile.image_signals import LUMA

    row, col = np.divmod(np.arange(LUMA * LUMA), LUMA)
    grids = [((row // (LUMA // c)) * c + col // (LUMA // c), c * c * bins) for c in (4, 8)]
    out = np.empty((len(ycc), sum(width for _, width in grids)))
    for lo in range(0, len(ycc), chunk):
        g = ycc[lo:lo + chunk, :LUMA * LUMA].reshape(-1, LUMA, LUMA).astype(np.float64)
        m = len(g)
        p = np.pad(g, ((0, 0), (1, 1), (1, 1)), mode="edge")
        gx, gy = p[:, 1:-1, 2:] - p[:, 1:-1, :-2], p[:, 2:, 1:-1] - p[:, :-2, 1:-1]
        size = np.hypot(gx, gy).reshape(m, -1)
        angle = (np.mod(np.arctan2(gy, gx), 2 * np.pi) * (bins / (2 * np.pi))).reshape(m, -1)
        low = np.floor(angle).astype(np.int64) % bins
        share = angle - np.floor(angle)
        weights = np.concatenate([(size * (1 - share)).ravel(), (size * share).ravel()])
        at = 0
        for cell, width in grids:
            base = np.arange(m)[:, None] * width + cell[None, :] * bins
            index = np.concatenate([(base + low).ravel(), (base + (low + 1) % bins).ravel()])
            out[lo:lo + m, at:at + width] = np.bincount(index, weights, minlength=m * width).reshape(m, width)
            at += width
    return np.sqrt(out / np.maximum(out.sum(axis=1, keepdims=True), 1e-9))


def _log_loss(z: np.ndarray, y: np.ndarray, hashes: np.ndarray, seed: int) -> float:
    """3-fold cross-validated log loss of a logistic regression (folds dealt in content-hash order)."""
    from sklearn.linear_model import LogisticRegression

    from preflight.kernels.hashing import splitmix64

    fold = np.empty(len(y), np.int64)
    fold[np.argsort(splitmix64(np.asarray(hashes, dtype=np.uint64) ^ np.uint64(seed + 1)), kind="stable")] = (
        np.arange(len(y)) % 3)
    total = 0.0
    for f in range(3):
        train, test = fold != f, fold == f
        if np.unique(y[train]).size < 2:
            return float("inf")
        model = LogisticRegression(C=0.3, tol=1e-3, max_iter=500).fit(z[train], y[train])
        proba = np.full((int(test.sum()), int(y.max()) + 1), 1e-15)
        proba[:, model.classes_] = np.maximum(model.predict_proba(z[test]), 1e-15)
        total -= float(np.log(proba[np.arange(int(test.sum())), y[test]]).sum())
    return total / len(y)


def _principal(x: np.ndarray, seed: int, sample: np.ndarray | None = None) -> np.ndarray:
    """Image features on their first principal components, whitened (each scaled to variance 1,
    as table columns are standardized): 64 of them, at most one per 20 images. Whitened
    components separate the classes better than raw ones and the logistic regression converges
    in fewer steps on them; with few images most components are noise that whitening blows up
    to the signal's scale, hence one per 20 images (benchmarks/RESULTS.md, `label_errors.py
    --images`). Fitted on the sample the models are fitted on, if any."""
    from sklearn.decomposition import PCA

    fit = x if sample is None else x[sample]
    n = min(IMAGE_COMPONENTS, x.shape[1], fit.shape[0] - 1, max(2, fit.shape[0] // ROWS_PER_COMPONENT))
    if n < 2 or n >= x.shape[1]:
        return x
    pca = PCA(n_components=n, whiten=True, random_state=seed)
    return pca.fit_transform(x) if sample is None else pca.fit(fit).transform(x)
