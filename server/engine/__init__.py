"""The sync engine and its store: the models, the one write path (apply), the change feed a pull
reads, scope, point reads and WAL checkpoints."""
