"""A message as the outbox keeps it, and as SMTP carries it."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from hashlib import sha256

from textbook.domain.errors import InvalidInput

MAX_SUBJECT = 300
MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Message:
    """A mail to send once: `key` names it, and a second message with the same key is
    ignored (so a follower that runs again queues nothing twice). `unsubscribe`, a link that
    stops such mail, becomes the List-Unsubscribe header (one click, RFC 8058) and a footer."""

    key: str
    to: str
    subject: str
    text: str
    html: str | None = None
    unsubscribe: str | None = None

    def __post_init__(self) -> None:
        if not self.key or len(self.key) > 200:
            raise InvalidInput("A message's key needs 1 to 200 characters.")
        if any(c in self.to + self.subject for c in "\r\n\x00") or "@" not in self.to:
            raise InvalidInput(f"Cannot mail {self.to[:80]!r} with this subject.")
        if len(self.subject) > MAX_SUBJECT or len(self.text) + len(self.html or "") > MAX_BODY:
            raise InvalidInput("The message is too long to mail.")


def email_message(message: Message, sender: str) -> EmailMessage:
    """The message as it is sent: text, an HTML alternative if there is one, the footer."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rsplit("@", 1)[-1].strip(">").strip() or "localhost"
    mail["Message-ID"] = make_msgid(sha256(message.key.encode()).hexdigest()[:24], domain)
    mail["Auto-Submitted"] = "auto-generated"
    text = message.text.rstrip() + "\n"
    if message.unsubscribe is not None:
        mail["List-Unsubscribe"] = f"<{message.unsubscribe}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        text += f"\n-- \nTo stop these emails: {message.unsubscribe}\n"
    mail.set_content(text)
    if message.html is not None:
        html = message.html
        if message.unsubscribe is not None:
            from html import escape

            link = escape(message.unsubscribe, quote=True)
            html += f'\n<p style="font-size:small"><a href="{link}">Stop these emails</a></p>'
        mail.add_alternative(html, subtype="html")
    return mail
