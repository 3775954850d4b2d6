"""Stage 3, ranking: cross-encoders (judge, teachers, student), losses, pruning, the engagement
model, posting summaries, ranking metrics and the shared way to load and evaluate a ranker."""
