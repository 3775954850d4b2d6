"""The serving app: reads materialized assets and answers searches (see the serving issue)."""
