"""HTTP and GraphQL hardening: request ids, headers, body and rate limits, error masking."""
