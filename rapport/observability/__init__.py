"""Operations: Prometheus metrics, structured request logs and traces (docs/operations.md)."""
