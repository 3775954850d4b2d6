"""The query engine's serving tables, the lexical indexes, and people search measured on its golden set.

What the search path needs at serving time is materialized here, so the serving app only reads:

- `employer_classes` (DuckDB): every employer with its normalized name, posting count and class
  (staffing / direct), for "not from staffing agencies" and company filters;
- `occupation_metro_pay` (DuckDB): the occupation x metro pay medians "above median pay" is
  measured against (national rows have metro_id NULL), as the policy defines them;
- `member_network` (DuckDB): each member's connection count and current employer, the graph the
  network expander reads (`jobsearch.query.network.NetworkExpander`);
- `lexical_indexes` (LanceDB): `posting_lexical` and `profile_lexical`, full-text indexes with the
  same filter columns as the flat indexes, for the router's lexical and hybrid routes;
- `people_search_eval` (DuckDB): the people ranker (`jobsearch.query.people`) on the people golden
  set: the network weight chosen on dev, then NDCG@10 of utility vs relevance-only vs distance-only
  vs random on the test split, with intervals and paired tests.
"""

import dagster as dg
from dagster import AssetExecutionContext
import numpy as np
import pandas as pd

from assets.loaders import load_policy, retrievable_postings, retrievable_profiles
from assets.metadata import md_table
from jobsearch.corpus.companies import is_staffing_company, normalize_company
from jobsearch.labels.rubric import GradeContext, MIN_METRO_POSTINGS
from jobsearch.query.engine import QueryEngine
from jobsearch.query.network import adjacency, degrees
from jobsearch.query.parser import query_parser
from jobsearch.query.people import PeopleRanker, choose_weight, compare, score_pools
from jobsearch.retrieval.documents import filter_columns, profile_filter_columns, profile_text
from jobsearch.retrieval.embeddings import Embedder
from jobsearch.retrieval.lexical import LexicalTable
from jobsearch.retrieval.vector_table import read_table, table_model
from resources import ComputeDevice, ModelStore, Scale, SourceFiles, VectorStore, Warehouse

GROUP = "query"


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=["postings"], automation_condition=dg.AutomationCondition.eager(),
          description="Every employer of the postings: normalized name, posting count and class (staffing or "
          "direct employer), read by the query engine's company and staffing filters. DuckDB table employer_classes.")
def employer_classes(warehouse: Warehouse) -> dg.MaterializeResult:
    postings = warehouse.read_table("postings", ["company_id", "company_name", "industry"])
    postings = postings.dropna(subset=["company_name"])
    table = (postings.groupby(["company_id", "company_name"], dropna=False)
             .agg(postings=("company_name", "size"), industry=("industry", "first")).reset_index())
    table["normalized"] = table["company_name"].map(normalize_company)
    table["employer_class"] = ["staffing" if is_staffing_company(n, i) else "direct"
                               for n, i in zip(table["company_name"], table["industry"])]
    warehouse.write_table("employer_classes", table)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(table), "staffing_employers": int((table["employer_class"] == "staffing").sum()),
        "classes": md_table(table["employer_class"].value_counts().rename_axis("class").reset_index()),
    })


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=["postings"],
          automation_condition=dg.AutomationCondition.eager(),
          description="Pay medians per O*NET occupation and metro (metro_id NULL = the national figure) over postings "
          "with a usable yearly salary, with counts; 'above median pay' uses the metro row when it has at least "
          f"{MIN_METRO_POSTINGS} postings, else the national one. DuckDB table occupation_metro_pay.")
def occupation_metro_pay(warehouse: Warehouse) -> dg.MaterializeResult:
    postings = warehouse.read_table("postings", ["onet_code", "metro_id", "salary_med_usd"])
    context = GradeContext.from_tables(pd.DataFrame(columns=["onet_code", "related_code"]), postings,
                                       pd.Timestamp("2024-04-20").to_pydatetime())
    table = pd.DataFrame([{"onet_code": code, "metro_id": metro, "median_usd": median,
                           "postings": context.pay_count[(code, metro)]}
                          for (code, metro), median in context.pay_median.items()])
    warehouse.write_table("occupation_metro_pay", table)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(table), "occupations": int(table["onet_code"].nunique()) if len(table) else 0,
        "metro_rows_usable": int((table["metro_id"].notna() & (table["postings"] >= MIN_METRO_POSTINGS)).sum()),
    })


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=["member_profiles", "member_graph"],
          automation_condition=dg.AutomationCondition.eager(),
          description="Per member: connection count (graph degree) and current employer, the table the network "
          "expander joins to turn 'jobs where my connections work' into employer filters. DuckDB table member_network.")
def member_network(warehouse: Warehouse) -> dg.MaterializeResult:
    members = warehouse.read_table("member_profiles", ["member_id", "current_company_id", "current_company_name"])
    edges = warehouse.read_table("member_graph", ["src", "dst"])
    count = pd.concat([edges["src"], edges["dst"]]).value_counts()
    table = members.assign(connections=members["member_id"].map(count).fillna(0).astype(int))
    warehouse.write_table("member_network", table)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(table), "edges": len(edges),
        "connections_median": float(table["connections"].median()),
        "isolated_members": int((table["connections"] == 0).sum()),
    })


@dg.asset(group_name=GROUP, kinds={"lancedb"}, deps=["postings", "member_profiles", "job_embeddings", "profile_embeddings"],
          automation_condition=dg.AutomationCondition.eager(),
          description="Full-text (BM25) indexes for the router's lexical and hybrid routes: LanceDB tables "
          "posting_lexical (title, company, place, description) and profile_lexical (name, headline, title, "
          "company, skills, summary), each with the flat index's filter columns so lexical results obey the same "
          "hard filters. LanceDB's native index: no extension download, works offline.")
def lexical_indexes(context: AssetExecutionContext, warehouse: Warehouse, vectors: VectorStore,
                    scale: Scale) -> dg.MaterializeResult:
    sizes = scale.sizes()
    db = vectors.connect()
    postings = retrievable_postings(warehouse, sizes.retrieval_postings)
    texts = (postings["title"].fillna("") + " | " + postings["company_name"].fillna("") + " | "
             + postings["city_name"].fillna("") + ", " + postings["state_code"].fillna("") + " | " + postings["description"].fillna("").str[:2000]).tolist()
    jobs = LexicalTable.build(db, "posting_lexical", "posting_id", postings["posting_id"].tolist(), texts,
                              filter_columns(postings))
    members = retrievable_profiles(warehouse, sizes.retrieval_profiles)
    people = LexicalTable.build(db, "profile_lexical", "member_id", members["member_id"].tolist(),
                                [f"{m['name']} | {profile_text(m)}" for m in members.to_dict("records")],
                                profile_filter_columns(members))
    context.log.info(f"posting_lexical: {jobs.count()} rows, profile_lexical: {people.count()} rows")
    return dg.MaterializeResult(metadata={"posting_lexical_rows": jobs.count(), "profile_lexical_rows": people.count(),
                                          "lancedb": vectors.uri})


@dg.asset_check(asset="lexical_indexes", blocking=True,
                description="Both tables hold every retrievable item once, and a posting's own exact title finds it "
                "in the top 10 of a lexical search (sampled) — the index answers, not just exists.")
def lexical_indexes_answer(warehouse: Warehouse, vectors: VectorStore, scale: Scale) -> dg.AssetCheckResult:
    sizes = scale.sizes()
    db = vectors.connect()
    postings = retrievable_postings(warehouse, sizes.retrieval_postings)
    members = retrievable_profiles(warehouse, sizes.retrieval_profiles)
    jobs, people = LexicalTable(db, "posting_lexical", "posting_id"), LexicalTable(db, "profile_lexical", "member_id")
    sample = postings.sample(min(20, len(postings)), random_state=0)
    found = sum(pid in {i for i, _ in jobs.search(f"{title} {company}", k=10)}
                for pid, title, company in zip(sample["posting_id"], sample["title"], sample["company_name"].fillna("")))
    named = members.sample(min(20, len(members)), random_state=0)
    by_name = sum(mid in {i for i, _ in people.search(name, k=10)} for mid, name in zip(named["member_id"], named["name"]))
    ok = jobs.count() == len(postings) and people.count() == len(members) and found >= 0.8 * len(sample) \
        and by_name >= 0.8 * len(named)
    return dg.AssetCheckResult(passed=bool(ok), metadata={
        "posting_rows": jobs.count(), "retrievable_postings": len(postings), "profile_rows": people.count(),
        "retrievable_profiles": len(members), "title_lookups_found": f"{found}/{len(sample)}",
        "name_lookups_found": f"{by_name}/{len(named)}"})


@dg.asset_check(asset="employer_classes", blocking=True,
                description="One row per employer with a normalized name and a known class, and the staffing class "
                "is a minority (a classifier that calls every employer staffing would empty 'direct hire only').")
def employer_classes_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    table = warehouse.read_table("employer_classes")
    share = float((table["employer_class"] == "staffing").mean()) if len(table) else 0.0
    ok = (len(table) > 0 and not table.duplicated(["company_id", "company_name"]).any()
          and table["normalized"].str.len().gt(0).all() and set(table["employer_class"]) <= {"staffing", "direct"}
          and share < 0.5)
    return dg.AssetCheckResult(passed=bool(ok), metadata={"employers": len(table), "staffing_share": round(share, 4)})


@dg.asset_check(asset="occupation_metro_pay", blocking=True,
                description="Every median is a usable yearly salary ($15k-$1M) with a positive count, one row per "
                "(occupation, metro), and every occupation with metro rows has its national row.")
def occupation_metro_pay_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    table = warehouse.read_table("occupation_metro_pay")
    problems = []
    if not table["median_usd"].between(15_000, 1_000_000).all():
        problems.append("medians outside $15k-$1M")
    if not (table["postings"] > 0).all():
        problems.append("rows without postings")
    if table.duplicated(["onet_code", "metro_id"]).any():
        problems.append("duplicate (occupation, metro) rows")
    national = set(table.loc[table["metro_id"].isna(), "onet_code"])
    missing = sorted(set(table["onet_code"]) - national)
    if missing:
        problems.append(f"no national row for {missing[:5]}")
    return dg.AssetCheckResult(passed=not problems and len(table) > 0,
                               metadata={"rows": len(table), "problems": "; ".join(problems) or "none"})


@dg.asset_check(asset="member_network", blocking=True,
                description="One row per member; connection counts agree with member_graph (sum of counts = 2 x edges).")
def member_network_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    table = warehouse.read_table("member_network")
    edges = warehouse.read_table("member_graph", ["src"])
    ok = not table["member_id"].duplicated().any() and int(table["connections"].sum()) == 2 * len(edges)
    return dg.AssetCheckResult(passed=bool(ok), metadata={"members": len(table), "edges": len(edges),
                                                          "connection_sum": int(table["connections"].sum())})


class PeopleSearchEvalConfig(dg.Config):
    split_for_weight: str = "dev"


@dg.asset(group_name=GROUP, kinds={"duckdb", "lancedb"},
          deps=["golden_sets", "people_search_policy", "member_profiles", "member_graph", "occupations",
                "profile_embeddings"],
          automation_condition=dg.AutomationCondition.eager(),
          description="People search measured on the people golden set (annotator labels): the policy-based people "
          "ranker (relevance from the policy's dimensions, expertise from the served bi-encoder) combined with the "
          "searcher's network distance through a utility whose weight is chosen on the dev split; on the test "
          "split NDCG@10 of utility vs relevance-only vs distance-only vs random, 95% intervals and paired tests. "
          "DuckDB tables people_search_eval, people_search_claims, people_search_weights (the chosen weight, read "
          "by the serving app).")
def people_search_eval(context: AssetExecutionContext, config: PeopleSearchEvalConfig, warehouse: Warehouse,
                       vectors: VectorStore, model_store: ModelStore, sources: SourceFiles,
                       device: ComputeDevice) -> dg.MaterializeResult:
    policy, _ = load_policy(warehouse, "people_search")
    golden = warehouse.read_table("golden_people_search")
    members = warehouse.read_table("member_profiles")
    related_rows = warehouse.read_table("occupation_related", ["onet_code", "related_code"])
    related: dict[str, set[str]] = {}
    for a, b in zip(related_rows["onet_code"], related_rows["related_code"]):
        related.setdefault(a, set()).add(b)
        related.setdefault(b, set()).add(a)
    engine = QueryEngine(query_parser(str(sources.data_path)))
    queries = golden.drop_duplicates("query_id")
    parsed = {q.query_id: engine.parse(q.query, q.searcher_id) for q in queries.itertuples()}
    db = vectors.connect()
    embedder = Embedder.from_name(table_model(db, "profile_embeddings"), model_store.store(), device.resolve())
    stored = read_table(db, "profile_embeddings").set_index("member_id")["vector"]
    needed = golden["member_id"].unique()
    missing = [m for m in needed if m not in stored.index]
    by_id = members.set_index("member_id", drop=False)
    extra = dict(zip(missing, embedder.items([profile_text(by_id.loc[m].to_dict()) for m in missing]))) if missing else {}
    vec = {m: np.asarray(extra[m] if m in extra else stored.loc[m], dtype=np.float32) for m in needed}
    qvec = dict(zip(queries["query_id"], embedder.queries([parsed[q].soft_text for q in queries["query_id"]])))
    cosines = {(r.query_id, r.member_id): float(qvec[r.query_id] @ vec[r.member_id]) for r in golden.itertuples()}
    neighbours = adjacency(warehouse.read_table("member_graph", ["src", "dst"]))
    searcher_degrees = {s: degrees(neighbours, s, 3) for s in golden["searcher_id"].unique()}
    ranker = PeopleRanker(policy, related)
    scored = score_pools(ranker, golden, parsed, members, cosines, searcher_degrees)
    weight, curve = choose_weight(scored, config.split_for_weight)
    table, claims = compare(scored, weight, "test")
    warehouse.write_table("people_search_eval", table)
    warehouse.write_table("people_search_claims", claims)
    warehouse.write_table("people_search_weights", pd.DataFrame([{
        "network_weight": weight, "chosen_on": config.split_for_weight, "policy_version": str(policy.version),
        "embedding_model": embedder.name}]))
    context.log.info(f"network weight {weight} chosen on {config.split_for_weight}; test:\n{table}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(table), "network_weight": weight, "embedding_model": embedder.name,
        "members_embedded_here": len(missing), "test_ndcg_at_10": md_table(table), "paired_tests": md_table(claims),
        "weight_curve_on_dev": md_table(curve),
    })


@dg.asset_check(asset="people_search_eval",
                description="The measured target: on the people golden test split the utility's NDCG@10 is at least "
                "relevance-only's and above distance-only's. WARN when it is not (a measured result, not a gate).")
def people_search_beats_single_signals(warehouse: Warehouse) -> dg.AssetCheckResult:
    table = warehouse.read_table("people_search_eval").set_index("ordering")["ndcg@10"]
    ok = table["utility"] >= table["relevance_only"] and table["utility"] > table["distance_only"]
    return dg.AssetCheckResult(passed=bool(ok), severity=dg.AssetCheckSeverity.WARN,
                               metadata={k: float(v) for k, v in table.items()})
