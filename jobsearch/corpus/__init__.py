"""Stage 1, the corpus: posting schemas and ingest, normalization, the gazetteer, the occupation
taxonomy, companies and skills, the member simulator, and the data-quality suites."""
