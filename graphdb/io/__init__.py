"""The Cypher of bulk import (resolvers/io/ holds the use case: reading, validating, batching)."""
