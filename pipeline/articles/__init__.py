"""Article formats: bytes of a file -> checked text -> raw blocks for segmenting (Markdown with front matter, plain text)."""
