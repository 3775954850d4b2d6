"""Gradual pruning vs one-shot pruning over several seeds, judged on the blind golden test split.

Reads the relevance teacher and the stored teacher labels a main-job run left (default `./.data`),
then for each seed: distills the unpruned student from the teacher, walks the profile's pruning
schedule with distillation after every cut (gradual), and, from the same unpruned student, cuts
straight to the final shape and distills for as many steps as the gradual path spent after its
first cut (one-shot). Both final students are scored per golden test query (NDCG@10); the claim
"gradual beats one-shot" is a paired permutation test over queries, per seed and on the per-query
mean over seeds.

    .venv/bin/python bench/pruning.py [--home .data] [--seeds 1 2 3] [--out bench/results/pruning.md]
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pandas as pd  # noqa: E402

import definitions  # noqa: E402
from assets.distilled_models import StudentConfig  # noqa: E402
from assets.loaders import eval_sets, posting_texts  # noqa: E402
from jobsearch.ranking.cross_encoder import with_heads  # noqa: E402
from jobsearch.ranking.evaluation import golden_per_query, load_ranker  # noqa: E402
from jobsearch.ranking.metrics import bootstrap_interval, paired_test  # noqa: E402
from jobsearch.ranking.pruning import parse_schedule, prune_to  # noqa: E402
from jobsearch.ranking.student import STUDENT_HEADS, distill  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", default=os.getenv("JOBSEARCH_HOME", ".data"))
    parser.add_argument("--profile", default=os.getenv("JOBSEARCH_PROFILE", "embedded"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "pruning.md"))
    args = parser.parse_args()

    resources = definitions.build_resources(Path(args.home).resolve(), args.profile)
    sizes = resources["scale"].sizes()
    warehouse, store = resources["warehouse"], resources["model_store"].store()
    sets = eval_sets(warehouse)
    labels = warehouse.read_table("teacher_labels")
    schedule = parse_schedule(sizes.prune_schedule)
    settings = StudentConfig().settings()
    texts = None
    rows, per_seed = [], {}
    for seed in args.seeds:
        teacher = load_ranker(store, "relevance_teacher")
        texts = texts or posting_texts(warehouse, labels, teacher.description_chars)
        start = teacher.with_model(with_heads(teacher.model, STUDENT_HEADS, copy_from=teacher.config.heads),
                                   heads=dict(STUDENT_HEADS))
        began = time.perf_counter()
        distill(start, labels, texts, sizes.student_steps, settings, seed, lambda _: None, "cpu")
        gradual = start.with_model(copy.deepcopy(start.model))
        for i, shape in enumerate(schedule[1:], start=1):
            gradual = gradual.with_model(prune_to(gradual.model, shape))
            distill(gradual, labels, texts, sizes.prune_steps, settings, seed + i, lambda _: None, "cpu")
        one_shot = start.with_model(prune_to(copy.deepcopy(start.model), schedule[-1]))
        distill(one_shot, labels, texts, sizes.prune_steps * (len(schedule) - 1), settings, seed + 100,
                lambda _: None, "cpu")
        g, o = golden_per_query(gradual, sets), golden_per_query(one_shot, sets)
        per_seed[seed] = (g, o)
        test = paired_test(g, o, seed=seed)
        rows.append({"seed": seed, "gradual_ndcg10": round(g.mean(), 4), "one_shot_ndcg10": round(o.mean(), 4),
                     **{k: test[k] for k in ("difference", "low", "high", "p_value", "queries")},
                     "seconds": round(time.perf_counter() - began, 1)})
        print(rows[-1], flush=True)
    gradual_mean = pd.concat([g for g, _ in per_seed.values()], axis=1).mean(axis=1)
    one_shot_mean = pd.concat([o for _, o in per_seed.values()], axis=1).mean(axis=1)
    pooled = paired_test(gradual_mean, one_shot_mean, seed=0)
    rows.append({"seed": "mean of seeds", "gradual_ndcg10": round(gradual_mean.mean(), 4),
                 "one_shot_ndcg10": round(one_shot_mean.mean(), 4),
                 **{k: pooled[k] for k in ("difference", "low", "high", "p_value", "queries")}, "seconds": None})
    table = pd.DataFrame(rows)
    verdict = ("no significant difference" if pooled["p_value"] >= 0.05 else
               "gradual better" if pooled["difference"] > 0 else "one-shot better")
    text = (f"# Gradual vs one-shot pruning ({args.profile}, schedule {sizes.prune_schedule})\n\n"
            f"Golden test split, {pooled['queries']} queries; NDCG@10 per query, paired permutation test.\n"
            f"Gradual interval (mean of seeds): {bootstrap_interval(gradual_mean)}; one-shot: "
            f"{bootstrap_interval(one_shot_mean)}.\n\n{table.to_markdown(index=False)}\n\nVerdict: {verdict} "
            f"(p = {pooled['p_value']}).\n")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
