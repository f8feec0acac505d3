"""One settings object, read from the environment and an optional `.env` file.

Secrets are `SecretStr` so that a stray `repr(settings)` or log line can never print them.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("leverage-bot.db")


class Settings(BaseSettings):
    """Everything an operator can configure; see the configuration table in README.md."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr = Field(default=SecretStr(""), alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr = Field(default=SecretStr(""), alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr = Field(default=SecretStr(""), alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    database_url: str = Field(default=f"sqlite:///{DEFAULT_SQLITE_PATH}", alias="DATABASE_URL")
    leverage_admins: str = Field(default="", alias="LEVERAGE_ADMINS")
    port: int = Field(default=3000, alias="PORT", ge=1, le=65535)
    host: str = Field(default="0.0.0.0", alias="HOST")
    min_group_size: int = Field(default=5, alias="LEVERAGE_MIN_GROUP_SIZE")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    log_format: str = Field(default="text", alias="LOG_FORMAT", pattern="^(text|json)$")
    # Free text (examples, notes, replies) is removed after this many quarters; 0 keeps it.
    retention_quarters: int = Field(default=4, alias="LEVERAGE_RETENTION_QUARTERS", ge=0, le=400)
    # Quarterly campaign schedule.
    campaign_cron: str = Field(
        default="second-tuesday-last-month", alias="LEVERAGE_CAMPAIGN_SCHEDULE"
    )
    campaign_window_days: int = Field(default=14, alias="LEVERAGE_WINDOW_DAYS", ge=1, le=90)
    reminder_days: str = Field(default="5,10", alias="LEVERAGE_REMINDER_DAYS")
    local_send_hour: int = Field(default=10, alias="LEVERAGE_LOCAL_HOUR", ge=8, le=17)
    default_tz: str = Field(default="UTC", alias="LEVERAGE_DEFAULT_TZ")
    stage_thresholds_file: str = Field(default="", alias="LEVERAGE_STAGE_THRESHOLDS")
    # A pilot older than this is "stuck" in the registry's evidence (pilot purgatory).
    pilot_stuck_days: int = Field(default=90, alias="LEVERAGE_PILOT_STUCK_DAYS", ge=1, le=3650)
    # Optional ceiling: without it the Slack adapter finds the workspace's rate (bot.slack.rate).
    fanout_rate_per_second: float | None = Field(default=None, alias="LEVERAGE_FANOUT_RATE", gt=0)
    fanout_concurrency: int = Field(default=32, alias="LEVERAGE_FANOUT_CONCURRENCY", ge=1)
    # A secret that keys one-way hashes (claim codes, duplicate-submit guards); derived from the
    # signing secret (or, in Socket Mode, the bot token) if unset. Changing it only invalidates
    # open claim codes.
    hash_key: SecretStr = Field(default=SecretStr(""), alias="LEVERAGE_HASH_KEY")
    # Microsoft Teams (docs/teams.md): the Azure Bot's app registration. Teams is served on
    # POST /api/messages when all three are set.
    teams_app_id: str = Field(default="", alias="TEAMS_APP_ID")
    teams_app_password: SecretStr = Field(default=SecretStr(""), alias="TEAMS_APP_PASSWORD")
    teams_tenant_id: str = Field(default="", alias="TEAMS_TENANT_ID")
    # Testing seams: where incoming activities' signing keys and outgoing tokens come from.
    teams_jwks_url: str = Field(default="", alias="TEAMS_JWKS_URL")
    teams_token_url: str = Field(default="", alias="TEAMS_TOKEN_URL")
    # Where someone on both Slack and Teams is prompted until they have answered somewhere.
    default_platform: Literal["slack", "teams"] = Field(
        default="slack", alias="LEVERAGE_DEFAULT_PLATFORM"
    )

    @field_validator("min_group_size")
    @classmethod
    def _group_floor(cls, value: int) -> int:
        """A group smaller than three re-identifies people; refuse such a setting loudly."""
        if value < 3:
            raise ValueError("LEVERAGE_MIN_GROUP_SIZE may not be below 3")
        return value

    @field_validator("campaign_cron")
    @classmethod
    def _schedule(cls, value: str) -> str:
        """Fail at start-up, not on the quarter's morning, when the schedule does not parse."""
        if value != "second-tuesday-last-month":
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(value, timezone="UTC")
            except ValueError as error:
                raise ValueError(f"not a five-field crontab ({error})") from None
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        """slack_sdk joins method names onto base_url, which must end in a slash."""
        return value if value.endswith("/") else value + "/"

    @property
    def teams_configured(self) -> bool:
        secret = self.teams_app_password.get_secret_value()
        return bool(self.teams_app_id and secret and self.teams_tenant_id)

    @cached_property
    def admins(self) -> frozenset[str]:
        return frozenset(a.strip() for a in self.leverage_admins.split(",") if a.strip())

    @cached_property
    def reminder_offsets(self) -> tuple[int, ...]:
        return tuple(sorted(int(d) for d in self.reminder_days.split(",") if d.strip()))


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; tests and the demo pass overrides by field name."""
    base = Settings()
    return base.model_copy(update=overrides) if overrides else base
