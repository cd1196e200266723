"""Translations -> the translated article and its bilingual files: alignment, the article's text, bilingual JSON, the review page."""
