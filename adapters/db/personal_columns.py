"""The stored values of encrypted columns, read and rewritten as tokens, batch by batch.

The migrations that start encrypting a column, the key rotation and the key census all walk a
table in primary-key order and handle the raw tokens, never through the ORM: a batch is read with
its columns typed as plain text, changed in Python and written back. A value is written back only
if it is still the one read, so a person saving the same record meanwhile never loses the change.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from adapters.db.engine import SQLITE_IMMEDIATE
from adapters.db.meta import Base
from adapters.db.types import PersonalText, dialect_cipher
from adapters.security.personal_cipher import PersonalDataKeyring, UndecryptableValue

BATCH_SIZE = 500


@dataclass(frozen=True)
class EncryptedColumns:
    """The PersonalText columns of one table, and the single-column primary key to walk it by."""

    table: str
    key: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Batch:
    rows: int  # rows read; 0 once the table is done
    values: int  # non-empty values among them
    changed: int  # values rewritten
    conflicts: int  # values left alone because somebody changed them after they were read
    last_key: object


def mapped_encrypted_columns(metadata: sa.MetaData = Base.metadata) -> list[EncryptedColumns]:
    """Every table of ``metadata`` with PersonalText columns, in name order."""
    found = []
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        columns = tuple(column.name for column in table.columns if isinstance(column.type, PersonalText))
        if not columns:
            continue
        keys = list(table.primary_key.columns)
        if len(keys) != 1:
            raise TypeError(f"{table.name}: encrypted columns need a table with a single-column primary key")
        found.append(EncryptedColumns(table.name, keys[0].name, columns))
    return found


def _raw_table(target: EncryptedColumns) -> sa.TableClause:
    return sa.table(target.table, sa.column(target.key), *(sa.column(name, sa.Text()) for name in target.columns))


def read_batch(connection: Connection, target: EncryptedColumns, after, limit: int = BATCH_SIZE) -> list[sa.Row]:
    """Up to ``limit`` rows (key first, then the raw values) whose key is greater than ``after``."""
    table = _raw_table(target)
    query = sa.select(table.c[target.key], *(table.c[name] for name in target.columns))
    if after is not None:
        query = query.where(table.c[target.key] > after)
    return list(connection.execute(query.order_by(table.c[target.key]).limit(limit)))


def rewrite_batch(connection: Connection, target: EncryptedColumns, transform: Callable[[str], str | None],
                  after, limit: int = BATCH_SIZE) -> Batch:
    """Apply ``transform`` (new value, or None to keep it) to the non-empty values of the rows after ``after``."""
    table = _raw_table(target)
    rows = read_batch(connection, target, after, limit)
    values = changed = conflicts = 0
    for row in rows:
        for name, value in zip(target.columns, row[1:]):
            if not value:
                continue
            values += 1
            try:
                new = transform(value)
            except UndecryptableValue as exc:
                where = f"{target.table}.{name}（{target.key} = {row[0]}）"
                raise UndecryptableValue(f"{where}：{exc.message_zh}", f"{where}: {exc.message_en}") from None
            if new is None or new == value:
                continue
            column = table.c[name]
            result = connection.execute(sa.update(table).where(table.c[target.key] == row[0], column == value)
                                        .values({column: new}))
            if result.rowcount == 1:
                changed += 1
            else:
                conflicts += 1
    return Batch(len(rows), values, changed, conflicts, rows[-1][0] if rows else None)


def encrypt_existing(connection: Connection, table: str, columns: tuple[str, ...], key: str = "id") -> int:
    """For a migration: encrypt the plain values of ``columns`` with the migrating engine's current key.

    Values that already are tokens of a configured key are left alone, so running it twice does
    not encrypt twice. The keys are needed only when there is something to encrypt, so an empty
    database migrates on any engine. Returns the number of values encrypted.
    """
    def encrypt(value: str) -> str | None:
        keyring = dialect_cipher(connection.dialect)
        return None if keyring.key_id_of(value) is not None else keyring.encrypt(value)

    return _walk(connection, EncryptedColumns(table, key, columns), encrypt)


def decrypt_existing(connection: Connection, table: str, columns: tuple[str, ...], key: str = "id") -> int:
    """For a migration's downgrade: turn the tokens of ``columns`` back into plain text."""
    return _walk(connection, EncryptedColumns(table, key, columns),
                 lambda token: dialect_cipher(connection.dialect).decrypt(token))


def _walk(connection: Connection, target: EncryptedColumns, transform: Callable[[str], str | None]) -> int:
    after, total = None, 0
    while True:
        batch = rewrite_batch(connection, target, transform, after)
        if not batch.rows:
            return total
        total, after = total + batch.changed, batch.last_key


@dataclass
class Rotation:
    """What re-encrypting one table did."""

    table: str
    values: int = 0
    rotated: int = 0
    conflicts: int = 0

    @property
    def already_current(self) -> int:
        return self.values - self.rotated - self.conflicts


def rotate_table(engine: Engine, keyring: PersonalDataKeyring, target: EncryptedColumns,
                 batch_size: int = BATCH_SIZE) -> Rotation:
    """Re-encrypt ``target``'s values with the current key, one transaction a batch.

    A failure keeps the batches already committed; running the rotation again goes on from there,
    since values on the current key are skipped.
    """
    rotation, after = Rotation(target.table), None
    writer = engine.execution_options(**{SQLITE_IMMEDIATE: True})  # SQLite: take the write lock before reading
    while True:
        with writer.begin() as connection:
            batch = rewrite_batch(connection, target, keyring.rotate, after, batch_size)
        if not batch.rows:
            return rotation
        rotation.values += batch.values
        rotation.rotated += batch.changed
        rotation.conflicts += batch.conflicts
        after = batch.last_key


def key_census(engine: Engine, keyring: PersonalDataKeyring, target: EncryptedColumns,
               batch_size: int = BATCH_SIZE) -> dict[str, Counter]:
    """How many values of each column each key decrypts (None counts the values none decrypts)."""
    counts: dict[str, Counter] = {name: Counter() for name in target.columns}
    after = None
    with engine.connect() as connection:
        while rows := read_batch(connection, target, after, batch_size):
            for row in rows:
                for name, value in zip(target.columns, row[1:]):
                    if value:
                        counts[name][keyring.key_id_of(value)] += 1
            after = rows[-1][0]
    return counts
