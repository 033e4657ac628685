"""Links in mail: signed with a key derived from the secret key, so that the ids recorded in
events are never links themselves, and nobody can make one up."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from uuid import UUID

from textbook.config import Settings
from textbook.domain import ids
from textbook.domain.errors import LinkRefused

MAC_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Links:
    """Makes and reads the links mail carries. `base_url`: the site's address, for whole
    links (http://host:port, no trailing slash)."""

    key: bytes
    base_url: str = ""

    @classmethod
    def from_settings(cls, settings: Settings, base_url: str | None = None) -> Links:
        secret = str(settings.session_secret()).encode()
        key = hmac.new(secret, b"textbook mail links", hashlib.sha256).digest()
        return cls(key, settings.public_url if base_url is None else base_url.rstrip("/"))

    def token(self, purpose: str, user_id: UUID, request_id: str | None = None) -> str:
        payload = user_id.bytes + (UUID(request_id).bytes if request_id is not None else b"")
        return f"{_b64(payload)}.{_b64(self._mac(purpose, payload))}"

    def read(self, purpose: str, token: str) -> tuple[UUID, str | None]:
        """The person and the request a token names; LinkRefused if it was not made here."""
        refused = LinkRefused(
            "This link is not one of ours, or was cut short: copy the whole link from the mail."
        )
        if len(token) > 200 or token.count(".") != 1:
            raise refused
        payload_text, mac_text = token.split(".")
        try:
            payload, mac = _unb64(payload_text), _unb64(mac_text)
        except (binascii.Error, ValueError):
            raise refused from None
        if len(payload) not in (16, 32) or not hmac.compare_digest(
            mac, self._mac(purpose, payload)
        ):
            raise refused
        request_id = UUID(bytes=payload[16:]).hex if len(payload) == 32 else None
        return UUID(bytes=payload[:16]), request_id

    def _mac(self, purpose: str, payload: bytes) -> bytes:
        return hmac.new(self.key, purpose.encode() + b":" + payload, hashlib.sha256).digest()[
            :MAC_BYTES
        ]

    def url(self, path: str) -> str:
        return self.base_url + path

    def verify_url(self, user_id: UUID, request_id: str) -> str:
        return self.url(f"/email/verify/{self.token('verify', user_id, request_id)}")

    def reset_url(self, user_id: UUID, request_id: str) -> str:
        return self.url(f"/password/reset/{self.token('reset', user_id, request_id)}")

    def confirm_report_url(self, need_id: UUID) -> str:
        """The link a reader who reported an error follows to hear when it is fixed."""
        return self.url(f"/reports/confirm/{self.token('report', need_id)}")

    def unsubscribe_url(self, person: UUID | str) -> str:
        """The link in every mail that stops them, working without signing in: for a person
        by name, or by their user id."""
        user_id = person if isinstance(person, UUID) else ids.user_id(person)
        return self.url(f"/unsubscribe/{self.token('unsubscribe', user_id)}")
