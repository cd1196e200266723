"""What each command does, as library functions the CLI calls: translate (run), check and prune (freshness), export and import (exchange), adopt."""
