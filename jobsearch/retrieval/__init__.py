"""Stage 4, retrieval: the bi-encoder and its teacher-in-the-loop training, embeddings, incremental
LanceDB vector tables, the exhaustive flat index, and BM25 lexical search."""
