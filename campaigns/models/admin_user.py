"""People who sign in to the console (``/admin``) with a password; made by ``flask user create``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.models.base import Model


class AdminUser(Model):
    """A console user. Only a slow hash of the password is stored (werkzeug's scrypt)."""

    __tablename__ = "admin_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
