"""The sync engine and its store: the models, the one write path (apply), the change feed a pull
reads, scope (who may see, write and manage what), point reads and WAL checkpoints."""
