"""coldchain's composition root: settings, database wiring, CLI and scheduled jobs.

It is the only package that knows all the others; `inventory`, `ingest`, `api` and
`simulators` never import it back except `api`, which receives its dependencies from here.
"""
