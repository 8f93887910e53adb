"""Delivery channels: e-mail over SMTP, SMS through an HTTP gateway, and in-app (the GraphQL subscription).

``check_channels`` is run at start-up and by the health endpoint, so that a misconfigured channel is
reported when the platform starts, not discovered when the first alert fails to go out.
"""

from __future__ import annotations

import json
import smtplib
import socket
from email.message import EmailMessage
from typing import Any, Protocol

import httpx
from sqlalchemy import Engine

from alerts.live import Announcer
from alerts.outbox import publish_inapp
from tianji.core.settings import Settings


class ChannelError(RuntimeError):
    """The channel could not take the message now (the delivery will be retried)."""


class Channel(Protocol):
    name: str

    def send(self, recipient: str, subject: str, body: str, key: str) -> None: ...


class EmailChannel:
    name = "email"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, recipient: str, subject: str, body: str, key: str) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"] = s.smtp_sender
        message["To"] = recipient
        message["Subject"] = subject
        message["Message-ID"] = f"<{key}@tianji>"  # receivers can drop a repeat after a crash mid-send
        message.set_content(body)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"SMTP {s.smtp_host}:{s.smtp_port}: {exc}") from exc


class SmsChannel:
    name = "sms"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def payload(self, recipient: str, body: str, key: str) -> dict[str, Any]:
        template = self.settings.sms_payload
        filled = (
            template.replace("{phone}", json.dumps(recipient)[1:-1])
            .replace("{text}", json.dumps(body[:300])[1:-1])
            .replace("{key}", json.dumps(key)[1:-1])
        )
        return json.loads(filled)

    def send(self, recipient: str, subject: str, body: str, key: str) -> None:
        headers = {"Idempotency-Key": key}
        if self.settings.sms_token:
            headers["Authorization"] = f"Bearer {self.settings.sms_token}"
        try:
            response = httpx.post(
                self.settings.sms_gateway_url,
                json=self.payload(recipient, body, key),
                headers=headers,
                timeout=10,
            )
        except httpx.HTTPError as exc:
            raise ChannelError(f"SMS gateway {self.settings.sms_gateway_url}: {exc}") from exc
        if response.status_code >= 300:
            raise ChannelError(f"SMS gateway answered {response.status_code}: {response.text[:200]}")


class InAppChannel:
    name = "inapp"

    def __init__(self, engine: Engine, settings: Settings | None = None) -> None:
        self.engine = engine
        self.announce = Announcer(settings) if settings is not None else None

    def send(self, recipient: str, subject: str, body: str, key: str) -> None:
        event_id = publish_inapp(self.engine, "alerts", recipient, json.loads(body))
        if self.announce is not None:  # subscribers in every API worker hear of it at once
            self.announce("alerts", event_id)


def channels(settings: Settings, engine: Engine) -> dict[str, Channel]:
    found: dict[str, Channel] = {"inapp": InAppChannel(engine, settings)}
    if settings.smtp_host:
        found["email"] = EmailChannel(settings)
    if settings.sms_gateway_url:
        found["sms"] = SmsChannel(settings)
    return found


def check_channels(settings: Settings) -> dict[str, dict[str, Any]]:
    """Each channel: configured or not, and whether its server answers now (a TCP connect, nothing sent)."""
    report: dict[str, dict[str, Any]] = {
        "inapp": {"configured": True, "ok": True, "detail": "always available"}
    }
    if not settings.smtp_host:
        report["email"] = {"configured": False, "ok": False, "detail": "TIANJI_SMTP_HOST is not set"}
    else:
        report["email"] = _reachable(settings.smtp_host, settings.smtp_port)
    if not settings.sms_gateway_url:
        report["sms"] = {"configured": False, "ok": False, "detail": "TIANJI_SMS_GATEWAY_URL is not set"}
    else:
        url = httpx.URL(settings.sms_gateway_url)
        if url.scheme not in ("http", "https") or not url.host:
            report["sms"] = {
                "configured": True,
                "ok": False,
                "detail": f"not an http(s) URL: {settings.sms_gateway_url}",
            }
        else:
            report["sms"] = _reachable(url.host, url.port or (443 if url.scheme == "https" else 80))
        try:
            SmsChannel(settings).payload("13800000000", "test", "k")
        except json.JSONDecodeError as exc:
            report["sms"] = {
                "configured": True,
                "ok": False,
                "detail": f"TIANJI_SMS_PAYLOAD is not JSON: {exc}",
            }
    return report


def _reachable(host: str, port: int) -> dict[str, Any]:
    try:
        with socket.create_connection((host, port), timeout=3):
            return {"configured": True, "ok": True, "detail": f"{host}:{port} answers"}
    except OSError as exc:
        return {"configured": True, "ok": False, "detail": f"{host}:{port} unreachable: {exc}"}
