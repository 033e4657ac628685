"""The Starlette web app (reader pages, proposals, reviews, JSON API)."""
