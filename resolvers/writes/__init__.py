"""The write path: one module per entity group, each mutation one write transaction.

Every mutation validates its whole input first (core.validation), then runs its checks and
its writes in a single managed transaction (resolvers.writes._tx). A refused mutation raises
inside the transaction, so it rolls back and nothing is half-written; the errors are returned
in the payload. The payload's entity is read in the same transaction, right after the write.
"""
