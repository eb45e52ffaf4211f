"""The core's own tables: organisation, accounts, roles, groups, audit trail, inbox, working days."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adapters.db.meta import Base
from adapters.db.types import PersonalText, UtcDateTime


class OrgUnit(Base):
    """A unit of the organisation tree: the county, its departments and townships, their villages."""

    __tablename__ = "core_org_unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("core_org_unit.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # county, department, township, village, other
    code: Mapped[str | None] = mapped_column(String(32), unique=True)  # e.g. the statistical division code
    position: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class User(Base):
    __tablename__ = "core_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    # Plain: password resets find accounts by their address.
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(PersonalText)
    kind: Mapped[str] = mapped_column(String(16), default="staff")  # staff, citizen, enterprise
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("core_org_unit.id", ondelete="SET NULL"), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18))  # 统一社会信用代码 of an enterprise account
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    totp_secret: Mapped[str | None] = mapped_column(PersonalText)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)

    org_unit: Mapped[OrgUnit | None] = relationship()
    groups: Mapped[list["Group"]] = relationship(secondary="core_user_group", lazy="selectin")
    assignments: Mapped[list["RoleAssignment"]] = relationship(back_populates="user", cascade="all, delete-orphan")


class Role(Base):
    __tablename__ = "core_role"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What the plugins proposed when the role was last seeded: re-seeding adds only permissions
    # proposed since, so an administrator's removal of a proposed permission sticks.
    seeded_permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class Group(Base):
    """A group of front-end users (公众, 实名用户, 企业用户 …) with its own permissions."""

    __tablename__ = "core_group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class UserGroup(Base):
    __tablename__ = "core_user_group"

    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("core_group.id", ondelete="CASCADE"), primary_key=True)


class RoleAssignment(Base):
    """A user holds a role, optionally only within an org unit or a column subtree (``scope``)."""

    __tablename__ = "core_role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "role_id", "scope_type", "scope_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("core_role.id", ondelete="CASCADE"))
    scope_type: Mapped[str | None] = mapped_column(String(32))
    scope_id: Mapped[int | None] = mapped_column(Integer)

    user: Mapped[User] = relationship(back_populates="assignments")
    role: Mapped[Role] = relationship(lazy="joined")


class PasswordReset(Base):
    """A single-use password reset link; only the token's hash is stored."""

    __tablename__ = "core_password_reset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class AuditRecord(Base):
    """One entry of the append-only audit trail, chained to the previous one by its hash.

    No foreign keys: the trail must outlive the accounts and objects it speaks of.
    """

    __tablename__ = "core_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_login: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)  # what changed, as canonical JSON
    ip: Mapped[str] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(300))
    result: Mapped[str] = mapped_column(String(16))  # success, failure, denied
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest link of the audit chain; locking this row serialises writers across processes."""

    __tablename__ = "core_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class InboxMessage(Base):
    __tablename__ = "core_inbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class WorkdayOverride(Base):
    """The county's own working-day decisions, on top of the national arrangement."""

    __tablename__ = "core_workday_override"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(200), default="")
