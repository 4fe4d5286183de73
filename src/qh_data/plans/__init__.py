"""Plans as versions (issue 15 point 3): a province's plan (``models.PlanVersion``), its targets
(``indicator_value.plan_version_id``), the reference plans of the facts file (``store.load_reference``). Which
plan is in force and whose targets count: ``rules.plan_validity``; reads: ``queries.plans``."""
