"""``kpi readout --send``: delivery to an SMTP server the test starts on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from kpi_scorecard import mail
from kpi_scorecard.cli import main
from kpi_scorecard.mail import MailError, is_loopback, parse_smtp_url

from .conftest import FIXTURES
from .mail_html import image_sources, mail_findings


@dataclass
class Inbox:
    """What the server saw: logins (user, password, over TLS?) and messages."""

    logins: list[tuple[str, str, bool]] = field(default_factory=list)
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        self.raw.append(envelope.original_content or envelope.content)
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login.decode(), data.password.decode(), session.ssl is not None))
        return AuthResult(success=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A plain SMTP server on loopback that accepts AUTH without TLS (a local relay)."""
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=inbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox, port
    controller.stop()


def run(repo: Path, *arguments: str, **environment: str) -> Any:
    return CliRunner().invoke(
        main, ["readout", "2026-02", "--repo", str(repo), *arguments], env=environment
    )


def test_send_delivers_text_and_html_to_every_recipient(
    valid_repo: Path, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    result = run(
        valid_repo,
        "--send",
        "--to",
        "ann@example.com",
        "--to",
        "bob@example.com",
        "--from",
        "kpi@example.com",
        KPI_SMTP_URL=f"smtp://bot%40example.com:s3cr%3At@127.0.0.1:{port}",
    )
    assert result.exit_code == 0, result.output
    assert "sent to 2 recipients" in result.output
    assert inbox.logins == [("bot@example.com", "s3cr:t", False)]  # loopback: allowed
    assert inbox.recipients == [["ann@example.com", "bob@example.com"]]
    message = inbox.messages[0]
    assert message["Subject"] == "Test scorecard: Feb 2026 readout"
    assert message["From"] == "kpi@example.com"
    assert_mail_structure(message, inbox.raw[0])
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and "Cost per order, off target" in text.get_content()
    assert html is not None and html.get_content().startswith("<!DOCTYPE html>")
    assert "3 KPIs: 1 off target" in text.get_content()
    assert "3 KPIs: 1 off target" in html.get_content()


def assert_mail_structure(message: EmailMessage, raw: bytes) -> None:
    """multipart/alternative of exactly the plain text and then the HTML (clients show the
    last part they can), both UTF-8 and inline; the HTML passes the mail client audit, and an
    image it shows would be a related part named by its cid:, never a data: URI or a remote
    file; no line longer than the 998 octets RFC 5322 allows."""
    assert message["MIME-Version"] == "1.0"
    assert message["Date"] and message["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    for part in parts:
        assert part.get_content_charset() == "utf-8"
        assert part.get_content_disposition() is None  # inline, not an attachment
    html = parts[1].get_content()
    assert mail_findings(html) == []
    related = {str(part["Content-ID"]).strip("<>") for part in message.walk() if part["Content-ID"]}
    assert {src.removeprefix("cid:") for src in image_sources(html)} <= related
    assert max(len(line) for line in raw.splitlines()) <= 998


def test_sender_falls_back_to_the_environment(
    valid_repo: Path, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    result = run(
        valid_repo,
        "--send",
        "--to",
        "ann@example.com",
        KPI_SMTP_URL=f"smtp://127.0.0.1:{port}",
        KPI_SMTP_FROM="scorecard@example.com",
    )
    assert result.exit_code == 0, result.output
    assert inbox.messages[0]["From"] == "scorecard@example.com"
    assert inbox.logins == []  # no user in the URL: no login


def test_a_password_never_goes_unencrypted_to_another_host(
    valid_repo: Path, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server offers no STARTTLS; were it not on loopback, the command refuses before
    logging in, sends nothing and writes no file. (Tests use loopback only, so the check that
    tells loopback apart is what is replaced.)"""
    inbox, port = smtp_server
    monkeypatch.setattr(mail, "is_loopback", lambda host: False)
    out = valid_repo / "readout.md"
    result = run(
        valid_repo,
        "-o",
        str(out),
        "--send",
        "--to",
        "ann@example.com",
        KPI_SMTP_URL=f"smtp://bot:secret@127.0.0.1:{port}",
    )
    assert result.exit_code == 1
    assert result.output == (
        f"error: refusing to send the password to smtp://127.0.0.1:{port} unencrypted: it does "
        "not offer STARTTLS (use smtps://, or a server that offers STARTTLS)\n"
    )
    assert inbox.logins == [] and inbox.messages == []
    assert not out.exists()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("10.0.0.1", False),
        ("mail.example.com", False),
        ("localhost.example.com", False),
        ("127.0.0.1.nip.io", False),
    ],
)
def test_loopback_is_a_literal_address_or_localhost(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("arguments", "environment", "message"),
    [
        (["--send"], {"KPI_SMTP_URL": "smtp://h"}, "--send needs at least one --to ADDR"),
        (["--send", "--to", "a@b.c"], {}, "--send needs KPI_SMTP_URL"),
        (
            ["--send", "--to", "a@b.c"],
            {"KPI_SMTP_URL": "http://h"},
            "error: KPI_SMTP_URL: not an smtp:// or smtps:// address with a host",
        ),
        (
            ["--send", "--to", "a@b.c\nBcc: x@y.z"],
            {"KPI_SMTP_URL": "smtp://127.0.0.1:1"},
            "is not an email address",
        ),
        (
            ["--send", "--to", "a@b.c"],
            {"KPI_SMTP_URL": "smtp://127.0.0.1:1"},
            "error: could not send through smtp://127.0.0.1:1: ",
        ),
    ],
)
def test_send_problems_are_one_line(
    valid_repo: Path, arguments: list[str], environment: dict[str, str], message: str
) -> None:
    result = run(valid_repo, *arguments, **{"KPI_SMTP_URL": "", **environment})
    assert result.exit_code in (1, 2)
    assert message in result.output
    if result.exit_code == 1:  # a usage error (2) comes with click's usage lines
        assert len(result.output.splitlines()) == 1


def test_smtp_urls() -> None:
    assert parse_smtp_url("smtps://u:p%40ss@mail.example.com") == mail.SmtpServer(
        "smtps", "mail.example.com", 465, "u", "p@ss"
    )
    assert parse_smtp_url("smtp://mail.example.com:2525").port == 2525
    with pytest.raises(MailError):
        parse_smtp_url("smtp://h:99999")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("neither the cryptography package nor the openssl command is available")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_starttls_is_used_when_offered_and_the_password_goes_encrypted(
    valid_repo: Path, tmp_path: Path
) -> None:
    cert, key = self_signed_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=inbox.authenticate,
        tls_context=context,
        require_starttls=True,
    )
    controller.start()
    try:
        result = run(
            valid_repo,
            "--send",
            "--to",
            "ann@example.com",
            KPI_SMTP_URL=f"smtp://bot:secret@127.0.0.1:{port}",
            SSL_CERT_FILE=str(cert),  # trust the test's own certificate
        )
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert inbox.logins == [("bot", "secret", True)]
    assert len(inbox.messages) == 1


def test_an_initiative_message_goes_to_its_daci_people(smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    result = CliRunner().invoke(
        main,
        [
            "readout",
            "--initiative",
            "spring-push",
            "--send",
            "--repo",
            str(FIXTURES / "initiative"),
        ],
        env={"KPI_SMTP_URL": f"smtp://127.0.0.1:{port}", "KPI_SMTP_FROM": "kpi@example.com"},
    )
    assert result.exit_code == 0, result.output
    assert "warning: Bob Brown has no email in kpis/people.yaml" in result.output
    # The reporting month is the window's last: the end summary, to the driver and approver.
    assert inbox.recipients == [["ann@example.com", "cy@example.com"]]
    message = inbox.messages[0]
    assert message["Subject"] == "Spring orders push: end summary"
    assert_mail_structure(message, inbox.raw[0])
    text = message.get_body(("plain",))
    assert text is not None and "Overall: missed." in text.get_content()
    assert "To:" not in text.get_content()  # the header says it; --to may differ
