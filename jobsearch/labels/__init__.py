"""Stage 2, labels: the product policy, golden sets, synthetic queries, the rubric grader and the
LLM backends that write queries and grade pairs."""
