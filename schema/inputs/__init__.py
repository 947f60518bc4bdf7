"""Mutation input types, one module per entity group. Every field is described for GraphiQL."""
