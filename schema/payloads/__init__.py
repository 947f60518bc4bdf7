"""Mutation payloads: `{ <entity>, errors }`, one module per entity group.

The entity fields hold the row the query compiler built inside the mutation's transaction
(see resolvers/writes/_tx.py), so they resolve like any read.
"""
