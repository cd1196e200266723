"""Raw blocks -> blocks of sentences with placeholders: sentence splitting, protection of what must not be translated, language identification."""
