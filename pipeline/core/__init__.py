"""What every stage shares: the data that flows, identities, errors and exit statuses, flags, hashes, configuration, languages, source paths."""
