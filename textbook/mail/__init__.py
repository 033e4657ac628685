"""Mail: an outbox beside the events, a postman that drains it through SMTP, and the mail that
accounts need (verifying an address, resetting a password).

Writers never send: a command records events; followers of the events put messages into the
outbox (`Outbox.put`, idempotent by key); the worker's `Postman` sends them and retries. The
outbox lives in the event store's database, never in a read model, so a rebuild sends nothing.
"""

from __future__ import annotations

from textbook.mail.links import Links
from textbook.mail.message import Message
from textbook.mail.outbox import Delivery, Outbox, open_outbox
from textbook.mail.postman import Postman

__all__ = ["Delivery", "Links", "Message", "Outbox", "Postman", "open_outbox"]
