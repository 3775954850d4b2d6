"""Dagster assets, one module per stage of the cookbook; checks beside their assets."""
