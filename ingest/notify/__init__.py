"""Alarm notifications: contacts, a durable outbox, and a dispatcher that delivers each
notice over webhook, MQTT and e-mail without ever blocking the caller (README.md).

Invariant: a notice that ``notify`` accepted is in the outbox (committed) before it returns,
and each (notice, recipient) pair is delivered at most once per successful attempt.
"""
