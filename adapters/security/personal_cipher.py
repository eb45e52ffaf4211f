"""The keys that encrypt personal data at rest, on the ``cryptography`` package's Fernet.

Keys come from ``GOVCORE_PERSONAL_DATA_KEYS`` (production: comma-separated Fernet keys, the first
one current), else from ``<var_dir>/personal-data.keys`` (one key a line, the first current),
which a development installation creates with mode 0600 the first time it needs it. New values
are encrypted with the current key; every key listed still decrypts, so a new key is put first,
``govcore personal-data rotate-keys`` re-encrypts the stored values, and only then the old key is
dropped. A key is named by its id, the first 8 hex digits of its SHA-256, never by itself.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from govcore.errors import ConfigurationError, GovcoreError

log = logging.getLogger(__name__)

KEYS_ENV = "GOVCORE_PERSONAL_DATA_KEYS"
KEYS_FILE = "personal-data.keys"


class UndecryptableValue(GovcoreError):
    """A stored value that none of the configured keys decrypts: a key is missing, or the value was altered."""


def key_id(key: str | bytes) -> str:
    """The name a key goes by in logs, audit records and the CLI: 8 hex digits of its SHA-256."""
    raw = key.encode("ascii") if isinstance(key, str) else key
    return hashlib.sha256(raw).hexdigest()[:8]


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


class PersonalDataKeyring:
    """Encrypts with the first key, decrypts with any of them."""

    def __init__(self, keys: Iterable[str | bytes]):
        unique: list[bytes] = []
        for key in keys:
            raw = key.encode("ascii") if isinstance(key, str) else key
            if raw not in unique:
                unique.append(raw)
        if not unique:
            raise ConfigurationError("没有配置个人信息加密密钥", "no personal-data encryption key is configured")
        fernets = []
        for position, raw in enumerate(unique, start=1):
            try:
                fernets.append(Fernet(raw))
            except ValueError:
                # The key itself is never repeated in a message: it would end up in logs.
                raise ConfigurationError(
                    f"第 {position} 个个人信息加密密钥格式不正确：应为 govcore personal-data new-key 生成的 Fernet 密钥",
                    f"personal-data key number {position} is not a Fernet key (see govcore personal-data new-key)",
                ) from None
        self._fernets = tuple(fernets)
        self._all = MultiFernet(fernets)
        self.key_ids: tuple[str, ...] = tuple(key_id(raw) for raw in unique)

    @property
    def current_key_id(self) -> str:
        return self.key_ids[0]

    def encrypt(self, plaintext: str) -> str:
        return self._all.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._all.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError):
            raise self._undecryptable() from None

    def rotate(self, token: str) -> str | None:
        """``token`` encrypted with the current key, or None when it already is."""
        raw = token.encode("ascii", errors="replace")
        if self._decrypts(self._fernets[0], raw):
            return None
        try:
            return self._all.rotate(raw).decode("ascii")
        except InvalidToken:
            raise self._undecryptable() from None

    def key_id_of(self, token: str) -> str | None:
        """The id of the key that decrypts ``token``; None when none does."""
        raw = token.encode("ascii", errors="replace")
        return next((kid for kid, fernet in zip(self.key_ids, self._fernets) if self._decrypts(fernet, raw)), None)

    @staticmethod
    def _decrypts(fernet: Fernet, raw: bytes) -> bool:
        try:
            fernet.extract_timestamp(raw)  # checks the token's signature without decrypting it
        except InvalidToken:
            return False
        return True

    def _undecryptable(self) -> UndecryptableValue:
        ids = ", ".join(self.key_ids)
        return UndecryptableValue(
            f"个人信息无法解密：现有密钥（{ids}）都解不开这个值。加密它的密钥可能已从 {KEYS_ENV} 中删除，或者数据被改动过",
            f"personal data cannot be decrypted by any configured key ({ids}): the key that encrypted it may have "
            f"been removed from {KEYS_ENV}, or the value was altered",
        )


def load_keyring(var_dir: Path, environ: Mapping[str, str] = os.environ) -> PersonalDataKeyring:
    """The deployment's keyring: the environment's keys, else the var folder's key file (made when missing)."""
    listed = environ.get(KEYS_ENV, "").strip()
    if listed:
        return PersonalDataKeyring(_split(listed.split(",")))
    path = Path(var_dir) / KEYS_FILE
    if not path.exists():
        _create_key_file(path)
    elif path.stat().st_mode & 0o077:
        log.warning("%s can be read by other users of this machine; chmod 600 it", path)
    keys = _split(path.read_text(encoding="ascii").splitlines())
    if not keys:
        raise ConfigurationError(f"个人信息密钥文件 {path} 中没有密钥", f"the personal-data key file {path} holds no key")
    return PersonalDataKeyring(keys)


def _split(entries: Sequence[str]) -> list[str]:
    return [entry.strip() for entry in entries if entry.strip() and not entry.strip().startswith("#")]


def _create_key_file(path: Path) -> None:
    """Write a fresh key, readable by the owner only; a process that loses the race reads the winner's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(new_key() + "\n")
    try:
        os.link(draft, path)  # atomic, and refuses to replace a file another process made first
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    log.info("created the personal-data key file %s", path)
