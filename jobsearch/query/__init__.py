"""Stage 5, the query engine: natural-language queries parsed into strict filters and soft text."""
