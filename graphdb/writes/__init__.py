"""Cypher for the write path, one module per entity group.

Statements are constants or small builders; labels, relationship types and property names come
from core/model.py or are literals, and every user value travels as a parameter. The
orchestration (validation, checks, transaction) lives in resolvers/writes.
"""
