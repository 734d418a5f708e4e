"""Mailing a readout: a multipart message (plain text and HTML) sent through ``KPI_SMTP_URL``.

``smtps://`` speaks TLS from the start; ``smtp://`` upgrades with STARTTLS whenever the server
offers it. A password goes over an unencrypted connection only to a loopback address (a relay
on the same machine); to anyone else the command refuses before logging in. Certificates are
verified against the system's store (``SSL_CERT_FILE`` may name another).
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from kpi_scorecard.errors import ScorecardError, one_line, quote

URL_VARIABLE = "KPI_SMTP_URL"
FROM_VARIABLE = "KPI_SMTP_FROM"
DEFAULT_SENDER = "kpi-scorecard@localhost"
DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
"""Mail submission ports: STARTTLS on 587, TLS from the start on 465."""
TIMEOUT = 30.0


class MailError(ScorecardError):
    """The readout could not be sent; nothing was written."""


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None = None

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp://user:pass@host:port`` or ``smtps://...``; user and password may be
    percent-encoded."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise MailError(f"{URL_VARIABLE}: {error} (expected smtp://user:pass@host:port)") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise MailError(
            f"{URL_VARIABLE}: not an smtp:// or smtps:// address with a host "
            "(expected smtp://user:pass@host:port)"
        )
    return SmtpServer(
        parts.scheme,
        parts.hostname,
        port or DEFAULT_PORTS[parts.scheme],
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password is not None else None,
    )


def is_loopback(host: str) -> bool:
    """Only a literal loopback address or ``localhost``: a name is not resolved, since what it
    resolves to could change between the check and the connection."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked_address(text: str, what: str) -> Address:
    """A plain ``name@domain`` address (no display name, no line breaks)."""
    if any(c in text for c in '\r\n<>,;"') or text.count("@") != 1:
        raise MailError(f"{what}: {quote(text)} is not an email address (expected name@domain)")
    local, domain = text.split("@")
    if not local or not domain or any(c.isspace() for c in text):
        raise MailError(f"{what}: {quote(text)} is not an email address (expected name@domain)")
    return Address(addr_spec=text)


def sender_of(given: str | None, environment: str | None, server: SmtpServer) -> str:
    """``--from``, else KPI_SMTP_FROM, else the SMTP user when it is an address, else a
    default."""
    for candidate in (given, environment):
        if candidate:
            return candidate
    return server.user if server.user and "@" in server.user else DEFAULT_SENDER


def readout_message(
    subject: str, text: str, html: str, sender: str, recipients: Sequence[str]
) -> EmailMessage:
    """multipart/alternative: the plain text first, the HTML that clients prefer last."""
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())
    message["From"] = checked_address(sender, "--from")
    message["To"] = [checked_address(r, "--to") for r in recipients]
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or None)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send(message: EmailMessage, server: SmtpServer) -> None:
    """Deliver ``message``; any failure is one MailError line naming the server."""
    try:
        with _connect(server) as smtp:
            if server.user is not None:
                smtp.login(server.user, server.password or "")
            smtp.send_message(message)
    except MailError:
        raise
    except smtplib.SMTPResponseException as error:
        raw = error.smtp_error
        reason = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        raise MailError(
            f"could not send through {server}: {error.smtp_code} {one_line(reason)}"
        ) from None
    except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
        reason = one_line(str(error) or type(error).__name__)
        raise MailError(f"could not send through {server}: {reason}") from None


def _connect(server: SmtpServer) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if server.scheme == "smtps":
        return smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT, context=context)
    smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
    try:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
        elif server.user is not None and not is_loopback(server.host):
            raise MailError(
                f"refusing to send the password to {server} unencrypted: it does not offer "
                "STARTTLS (use smtps://, or a server that offers STARTTLS)"
            )
    except BaseException:
        smtp.close()
        raise
    return smtp
