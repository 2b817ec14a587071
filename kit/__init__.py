"""The shared kit: the few pieces every room may import and none may redefine.

- ``kit.unit_of_work``: one generic unit of work (one transaction per ``with`` block, state
  per thread, guarded against re-entry).
- ``kit.columns``: the aware-UTC column type.
- ``kit.clock``: the clock type and the real clock.
- ``kit.naming``: the constraint naming convention every table metadata uses.
- ``kit.lease``: a named lease in the database, one holder at a time (the scheduler's).
- ``kit.collector``: a server's start-up heap frozen out of the garbage collector's walks.

The kit imports no project package; every project package may import it.
"""
