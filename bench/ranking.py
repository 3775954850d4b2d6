"""Ranking benchmark: the relevance teacher against every student, measured back to back in one run.

Reads the checkpoints a main-job run left in the model store (default `./.data`) and the evaluation
sets from its warehouse, then for each ranker: NDCG@10 / MRR against the judge on held-out queries
and against the golden test split, pairs/s on this machine (items tokenized beforehand, as at
indexing time; queries tokenized in the timed pass), parameters, and ratios to the teacher.

    .venv/bin/python bench/ranking.py [--home .data] [--pairs 1024] [--repeats 3] [--out bench/results/ranking.md]

Targets (issue 4): the student on summaries >= 5x the teacher's pairs/s with <= 2% relative NDCG@10
loss; gradual pruning beats one-shot pruning at the same size; summaries cut the ranking input >= 5x
with <= 2% NDCG@10 loss against the same student on full postings.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pandas as pd  # noqa: E402
import torch  # noqa: E402

import definitions  # noqa: E402
from assets.loaders import eval_sets  # noqa: E402
from jobsearch.ranking.evaluation import evaluate, input_tokens, load_ranker, measure_throughput  # noqa: E402
from jobsearch.ranking.student import step_name  # noqa: E402
from jobsearch.profiles import sizes_for  # noqa: E402
from jobsearch.ranking.pruning import parse_schedule, shape_of  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", default=os.getenv("JOBSEARCH_HOME", ".data"))
    parser.add_argument("--profile", default=os.getenv("JOBSEARCH_PROFILE", "embedded"))
    parser.add_argument("--pairs", type=int, default=1024, help="held-out pairs scored per throughput pass")
    parser.add_argument("--repeats", type=int, default=3, help="round-robin timed passes per model (best is kept)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default="bench/results/ranking.md")
    args = parser.parse_args()

    resources = definitions.build_resources(args.home, args.profile)
    store = resources["model_store"].store()
    warehouse = resources["warehouse"]
    sets = eval_sets(warehouse)
    summaries = dict(warehouse.query("SELECT posting_id, summary FROM posting_summaries").itertuples(index=False))
    schedule = parse_schedule(sizes_for(args.profile).prune_schedule)
    models = [("relevance_teacher", None), *[(step_name(s), None) for s in schedule], ("one_shot_student", None),
              ("summary_student", summaries)]

    rankers = {name: load_ranker(store, name) for name, _ in models}
    # throughput first, round-robin over the models, best pass of each kept: no model is measured
    # alone while the machine warms up or while something else runs for a moment
    speeds = dict.fromkeys(rankers, 0.0)
    for _ in range(args.repeats):
        for name, inputs in models:
            speed = measure_throughput(rankers[name], sets, inputs, pairs=args.pairs, device=args.device, repeats=1)
            speeds[name] = max(speeds[name], speed)
    rows = []
    for name, inputs in models:
        ranker = rankers[name]
        quality = evaluate(ranker, sets, inputs, args.device)
        speed = speeds[name]
        rows.append({"model": name, "shape": str(shape_of(ranker.model)), "input": "summary" if inputs else "posting",
                     "input_tokens": round(input_tokens(ranker, sets, inputs), 1),
                     "encoder_params_M": round(quality["encoder_parameters"] / 1e6, 2),
                     "heldout_ndcg10": quality["heldout_ndcg10"], "heldout_mrr": quality["heldout_mrr"],
                     "golden_ndcg10": quality["golden_ndcg10"], "pairs_per_s": round(speed, 1)})
        print(f"  {name}: {speed:.0f} pairs/s, NDCG@10 {quality['heldout_ndcg10']}", file=sys.stderr)
    table = pd.DataFrame(rows)
    teacher = table.iloc[0]
    table["speedup"] = (table["pairs_per_s"] / teacher["pairs_per_s"]).round(2)
    table["ndcg_loss"] = ((teacher["heldout_ndcg10"] - table["heldout_ndcg10"]) / teacher["heldout_ndcg10"]).round(4)

    by = table.set_index("model")
    final = step_name(schedule[-1])
    summary_loss = (by.loc[final, "heldout_ndcg10"] - by.loc["summary_student", "heldout_ndcg10"]) / by.loc[final, "heldout_ndcg10"]
    full = warehouse.query("SELECT avg(full_tokens) AS f, avg(summary_tokens) AS s FROM posting_summaries").iloc[0]
    targets = pd.DataFrame([
        {"target": "summary student >= 5x teacher pairs/s", "measured": f"{by.loc['summary_student', 'speedup']}x",
         "met": by.loc["summary_student", "speedup"] >= 5},
        {"target": "summary student NDCG@10 loss <= 2% vs teacher", "measured": f"{by.loc['summary_student', 'ndcg_loss']:.2%}",
         "met": by.loc["summary_student", "ndcg_loss"] <= 0.02},
        {"target": "gradual pruning beats one-shot (NDCG@10)",
         "measured": f"{by.loc[final, 'heldout_ndcg10']} vs {by.loc['one_shot_student', 'heldout_ndcg10']}",
         "met": by.loc[final, "heldout_ndcg10"] > by.loc["one_shot_student", "heldout_ndcg10"]},
        {"target": "summaries cut posting input >= 5x", "measured": f"{full['f'] / full['s']:.1f}x (full posting {full['f']:.0f} "
         f"-> {full['s']:.0f} tokens; ranker input {by.loc[final, 'input_tokens']} -> {by.loc['summary_student', 'input_tokens']})",
         "met": full["f"] / full["s"] >= 5},
        {"target": "summaries cost <= 2% NDCG@10 vs the same student on postings", "measured": f"{summary_loss:.2%}",
         "met": summary_loss <= 0.02},
    ])
    header = (f"# Ranking benchmark\n\nmachine: {platform.processor() or platform.machine()}, torch threads "
              f"{torch.get_num_threads()}, device {args.device}; profile {args.profile}; {args.pairs} held-out pairs per "
              f"pass, best of {args.repeats}; NDCG vs judge on {sets.heldout['query_id'].nunique()} held-out queries, "
              f"golden on {sets.golden['query_id'].nunique()} test queries.\n\n")
    text = header + table.to_markdown(index=False) + "\n\n" + targets.to_markdown(index=False) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
