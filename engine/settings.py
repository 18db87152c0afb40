"""What an operator sets: the mail server, how notifications are delivered, how long closed cases
and the access log are kept.

Plain values the engine is given; reading them from the environment (``SAMVERKAN_SMTP_*``,
``SAMVERKAN_MAIL_*``, ``SAMVERKAN_GALLRING*``) is the command line's business
(``samverkan/mail_settings.py``, ``samverkan/retention_settings.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class SmtpSettings:
    """Where mail goes. ``security``: ``starttls`` (upgrade a plain connection, usually port 587),
    ``ssl`` (TLS from the start, usually 465) or ``none`` (a local relay)."""

    host: str
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    from_address: str = "samverkan@localhost"
    from_name: str = "Samverkan"
    #: Seconds to wait for the server; keep it well below the delivery lease.
    timeout: float = 30.0
    #: Certificates (PEM) to trust for the server besides the system's, e.g. a relay's internal CA.
    ca_file: str | None = None

    def __post_init__(self) -> None:
        if self.security not in SECURITY:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITY)}, not {self.security!r}")
        if "@" not in self.from_address:
            raise ValueError(f"the sender address {self.from_address!r} is not an e-mail address")

    @property
    def domain(self) -> str:
        return self.from_address.rsplit("@", 1)[1]


@dataclass(frozen=True)
class DeliverySettings:
    max_attempts: int = 10
    first_retry: timedelta = timedelta(minutes=1)
    longest_retry: timedelta = timedelta(hours=2)
    #: How long a worker holds mails it took; must exceed the SMTP timeout by a good margin.
    lease: timedelta = timedelta(minutes=5)
    batch: int = 50
    #: The web app's address, for the link in every mail (none: no link).
    base_url: str | None = None
    #: The hour (Stockholm) after which the daily digests go out; None: no digests.
    digest_hour: int | None = 7

    def retry_delay(self, attempts: int) -> timedelta:
        """The wait after the n-th failed attempt: 1, 2, 4 … minutes, at most ``longest_retry``."""
        return min(self.first_retry * (2 ** max(attempts - 1, 0)), self.longest_retry)


#: The access log is kept at least this many years (HSLF-FS 2016:40 and the förbund's own rules).
LEAST_LOG_YEARS = 5


@dataclass(frozen=True)
class RetentionSettings:
    """How long closed cases keep their personal data, in whole years after closing: ``by_process``
    per process key, ``default`` for every other process (None: kept until configured); and how
    many years the access log is kept (at least :data:`LEAST_LOG_YEARS`)."""

    by_process: dict[str, int] = field(default_factory=dict)
    default: int | None = None
    access_log_years: int = LEAST_LOG_YEARS

    def __post_init__(self) -> None:
        for key, years in {**self.by_process, "*": self.default or 0}.items():
            if years < 0 or (key != "*" and years < 1):
                raise ValueError(f"the retention of {key} must be a whole number of years, at least 1")
        if self.default is not None and self.default < 1:
            raise ValueError("the default retention must be a whole number of years, at least 1")
        if self.access_log_years < LEAST_LOG_YEARS:
            raise ValueError(f"the access log must be kept at least {LEAST_LOG_YEARS} years, "
                             f"not {self.access_log_years}")

    def years_for(self, process_key: str) -> int | None:
        return self.by_process.get(process_key, self.default)

    @staticmethod
    def cutoff(now: datetime, years: int) -> datetime:
        """The moment ``years`` calendar years before ``now`` (29 February becomes 28 February)."""
        try:
            return now.replace(year=now.year - years)
        except ValueError:
            return now.replace(year=now.year - years, day=28)
