"""The state kept on disk: the records (the system of record), the memory (its cache), atomic writes and locks."""
