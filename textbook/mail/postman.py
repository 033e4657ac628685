"""The postman: sends what the outbox holds through SMTP, in the worker, never in a request.

A server that is down or answers 4xx gets the message again later (the outbox's backoff); a
5xx refusal of a message gives it up at once, its error kept.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable

from textbook.config import SmtpLocation
from textbook.mail.message import email_message
from textbook.mail.outbox import Delivery, Outbox

log = logging.getLogger("textbook.mail")


class Postman:
    def __init__(
        self,
        outbox: Outbox,
        smtp: SmtpLocation,
        sender: str,
        clock: Callable[[], float] = time.time,
        timeout: float = 30.0,
    ) -> None:
        self.outbox, self.smtp, self.sender = outbox, smtp, sender
        self.clock, self.timeout = clock, timeout

    def run_once(self, limit: int = 50) -> int:
        """Send the messages due now; returns how many were sent."""
        due = self.outbox.take_due(self.clock(), limit)
        if not due:
            return 0
        try:
            connection = self._connect()
        except (OSError, smtplib.SMTPException) as error:
            for delivery in due:
                self._failed(delivery, f"cannot reach the mail server: {error}")
            return 0
        sent = 0
        try:
            for number, delivery in enumerate(due):
                try:
                    connection.send_message(email_message(delivery.message, self.sender))
                except smtplib.SMTPServerDisconnected as error:
                    for rest in due[number:]:
                        self._failed(rest, f"the mail server hung up: {error}")
                    return sent
                except smtplib.SMTPRecipientsRefused as error:
                    codes = [code for code, _ in error.recipients.values()]
                    self._failed(delivery, str(error), permanent=all(c >= 500 for c in codes))
                except smtplib.SMTPResponseException as error:
                    message = f"{error.smtp_code} {error.smtp_error!r}"
                    self._failed(delivery, message, permanent=error.smtp_code >= 500)
                except (OSError, smtplib.SMTPException) as error:
                    self._failed(delivery, str(error))
                else:
                    self.outbox.mark_sent(delivery.message.key, self.clock())
                    sent += 1
        finally:
            try:
                connection.quit()
            except (OSError, smtplib.SMTPException):
                connection.close()
        return sent

    def _connect(self) -> smtplib.SMTP:
        smtp = self.smtp
        connection: smtplib.SMTP
        if smtp.security == "tls":
            context = ssl.create_default_context()
            connection = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=self.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(smtp.host, smtp.port, timeout=self.timeout)
            if smtp.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if smtp.user:
            connection.login(smtp.user, smtp.password)
        return connection

    def _failed(self, delivery: Delivery, error: str, permanent: bool = False) -> None:
        after = self.outbox.mark_failed(delivery.message.key, error, self.clock(), permanent)
        if after is not None and after.given_up:
            log.error("mail %s to %s given up: %s", after.message.key, after.message.to, error)
        else:
            log.warning(
                "mail %s not sent yet (%s); trying again later", delivery.message.key, error
            )
