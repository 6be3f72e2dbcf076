"""EmailSender over SMTP (stdlib smtplib): optional STARTTLS with a verified certificate, optional login, timeouts.

STARTTLS is all or nothing: when it is asked for and the server does not offer it, nothing is sent (no silent
fallback to plain text). Every failure surfaces as `DeliveryFailed`, never as a raw socket or smtplib error.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from openbeian.config import Settings
from openbeian.errors import ConfigurationError, OpenBeianError, Text

DEFAULT_TIMEOUT = 10.0


class DeliveryFailed(OpenBeianError):
    """The mail server could not be reached or refused the message (`refused`: recipients it turned down)."""

    code = "delivery_failed"

    def __init__(self, text: Text, refused: tuple[str, ...] = ()) -> None:
        super().__init__(text)
        self.refused = refused


class SmtpSender:
    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        starttls: bool = False,
        username: str = "",
        password: str = "",
        timeout: float = DEFAULT_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        if not (username.isascii() and password.isascii()):
            # smtplib encodes AUTH credentials as ASCII; say so here rather than fail on the first message.
            raise ConfigurationError(
                Text(
                    "The SMTP username and password must be ASCII characters.",
                    "SMTP 用户名和密码只能包含 ASCII 字符。",
                )
            )
        self.host = host
        self.port = port
        self.starttls = starttls
        self.username = username
        self.password = password
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.local_hostname = local_hostname

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpSender | None:
        """None when smtp_host is empty: e-mail notifications are off."""
        if not settings.smtp_host:
            return None
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=float(settings.smtp_timeout),
        )

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, self.local_hostname, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                refused = smtp.send_message(message)
        except smtplib.SMTPNotSupportedError:
            raise DeliveryFailed(
                Text(
                    f"The mail server {self.server} does not offer STARTTLS; nothing was sent.",
                    f"邮件服务器 {self.server} 不支持 STARTTLS，邮件未发送。",
                )
            ) from None
        except smtplib.SMTPAuthenticationError:
            raise DeliveryFailed(
                Text(
                    f"The mail server {self.server} refused the login of {self.username!r}.",
                    f"邮件服务器 {self.server} 拒绝了用户 {self.username!r} 的登录。",
                )
            ) from None
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryFailed(_refused_text(self.server, tuple(error.recipients)), tuple(error.recipients)) from None
        except (smtplib.SMTPException, ssl.SSLError, OSError) as error:
            raise DeliveryFailed(
                Text(
                    f"Could not send mail through {self.server}: {error}",
                    f"无法通过 {self.server} 发送邮件：{error}",
                )
            ) from None
        if refused:
            raise DeliveryFailed(_refused_text(self.server, tuple(refused)), tuple(refused))


def _refused_text(server: str, recipients: tuple[str, ...]) -> Text:
    names = ", ".join(recipients)
    return Text(f"The mail server {server} refused: {names}.", f"邮件服务器 {server} 拒收：{names}。")
