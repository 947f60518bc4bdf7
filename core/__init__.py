"""The vocabulary every layer shares: the graph model, ids, money, roles, settings, error codes and
value validation. It imports nothing of the project, so every other package may import it."""
