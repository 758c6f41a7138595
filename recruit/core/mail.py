"""Email goes out through the outbox: rendered now, sent by a worker after commit."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template

from recruit.core import outbox

log = logging.getLogger(__name__)

SEND_EMAIL_TASK = "email.send"


def queue_email(
    to: str, template: str, *, calendar: str | None = None, **context
) -> outbox.OutboxMessage:
    """Render `templates/email/<template>.txt` (first line is the subject) and queue it.
    `calendar` is an iCalendar text, attached as invite.ics."""
    text = render_template(f"email/{template}.txt", **context)
    subject, _, body = text.partition("\n")
    payload = {"to": to, "subject": subject.strip(), "body": body.strip() + "\n"}
    if calendar:
        payload["calendar"] = calendar
    return outbox.enqueue(SEND_EMAIL_TASK, **payload)


class DeliveryFailed(Exception):
    """The mail server refused or could not be reached; worth trying again later."""


def deliver(payload: dict) -> None:
    """Send one email now: by SMTP when SMTP_URL is set, else write it to the log."""
    url = current_app.config.get("SMTP_URL")
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message["Message-ID"] = payload.get("message_id") or make_msgid(domain="recruit")
    message.set_content(payload["body"])
    if payload.get("calendar"):
        message.add_attachment(
            payload["calendar"].encode(),
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
        )
    if not url:
        log.info("email (no SMTP_URL set, so logged only)\n%s", message.as_string())
        return
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port
    try:
        if parts.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=30)
        else:
            client = smtplib.SMTP(host, port or 25, timeout=30)
        with client:
            if parts.scheme == "smtp+starttls":
                client.starttls()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
