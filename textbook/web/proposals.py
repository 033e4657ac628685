"""Authors write and propose; editors review: the routes of the review gate.

Writing (textbook.web.writing), the live preview (previews), reviewing (reviewing) and the
queue (queue) each have their module; this one lists their routes.
"""

from __future__ import annotations

from starlette.routing import Route

from textbook.web.previews import preview_endpoint
from textbook.web.queue import mine, queue
from textbook.web.reviewing import proposal, review, withdraw, withdraw_form
from textbook.web.writing import edit, new, propose_edit, propose_new, revise, revise_form

routes = [
    Route("/books/{slug}/sections/{section}/edit", edit, methods=["GET"]),
    Route("/books/{slug}/sections/{section}/edit", propose_edit, methods=["POST"]),
    Route("/books/{slug}/new", new, methods=["GET"]),
    Route("/books/{slug}/new", propose_new, methods=["POST"]),
    Route("/books/{slug}/queue", queue),
    Route("/preview", preview_endpoint, methods=["POST"]),
    Route("/proposals/{proposal}", proposal),
    Route("/proposals/{proposal}/review", review, methods=["POST"]),
    Route("/proposals/{proposal}/revise", revise_form, methods=["GET"]),
    Route("/proposals/{proposal}/revise", revise, methods=["POST"]),
    Route("/proposals/{proposal}/withdraw", withdraw_form, methods=["GET"]),
    Route("/proposals/{proposal}/withdraw", withdraw, methods=["POST"]),
    Route("/me/proposals", mine),
]
