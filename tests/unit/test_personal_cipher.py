"""The personal-data keyring (key sources, encryption, rotation) and the encrypted column type."""

import hashlib
import stat

import pytest

from adapters.db.orm import User
from adapters.db.types import PersonalDataQueryError
from adapters.security.personal_cipher import (KEYS_ENV, KEYS_FILE, PersonalDataKeyring, UndecryptableValue,
                                               key_id, load_keyring, new_key)
from govcore.errors import ConfigurationError
from plugins.disclosure.orm import DisclosureRequest

OLD, NEW = new_key(), new_key()


def test_values_round_trip_and_never_look_alike():
    keyring = PersonalDataKeyring([NEW])
    first, second = keyring.encrypt("330102199001011234"), keyring.encrypt("330102199001011234")
    assert first != second and "330102199001011234" not in first
    assert keyring.decrypt(first) == keyring.decrypt(second) == "330102199001011234"
    assert keyring.decrypt(keyring.encrypt("欧阳小明")) == "欧阳小明"


def test_a_key_goes_by_the_first_eight_hex_digits_of_its_sha256():
    keyring = PersonalDataKeyring([NEW, OLD])
    assert keyring.key_ids == (hashlib.sha256(NEW.encode()).hexdigest()[:8], key_id(OLD))
    assert keyring.current_key_id == key_id(NEW)


def test_the_first_key_encrypts_and_every_key_decrypts():
    old_token = PersonalDataKeyring([OLD]).encrypt("13812345678")
    both = PersonalDataKeyring([NEW, OLD])
    assert both.decrypt(old_token) == "13812345678"
    assert both.key_id_of(old_token) == key_id(OLD)
    assert both.key_id_of(both.encrypt("x")) == key_id(NEW)


def test_rotation_moves_a_value_to_the_current_key_once():
    old_token = PersonalDataKeyring([OLD]).encrypt("13812345678")
    both = PersonalDataKeyring([NEW, OLD])
    rotated = both.rotate(old_token)
    assert both.key_id_of(rotated) == key_id(NEW)
    assert both.rotate(rotated) is None  # already current: nothing to write
    assert PersonalDataKeyring([NEW]).decrypt(rotated) == "13812345678"


def test_a_value_no_key_decrypts_is_an_error_naming_the_keys():
    token = PersonalDataKeyring([OLD]).encrypt("13812345678")
    keyring = PersonalDataKeyring([NEW])
    for attempt in (lambda: keyring.decrypt(token), lambda: keyring.rotate(token),
                    lambda: keyring.decrypt("13812345678"), lambda: keyring.decrypt("号码")):
        with pytest.raises(UndecryptableValue) as caught:
            attempt()
        assert key_id(NEW) in caught.value.message_zh and key_id(NEW) in caught.value.message_en
    assert keyring.key_id_of(token) is None


def test_malformed_keys_are_refused_without_repeating_them():
    with pytest.raises(ConfigurationError) as caught:
        PersonalDataKeyring([NEW, "not-a-fernet-key"])
    assert "第 2 个" in caught.value.message_zh and "not-a-fernet-key" not in caught.value.bilingual()
    with pytest.raises(ConfigurationError):
        PersonalDataKeyring([])


def test_the_environment_wins_over_the_key_file(tmp_path):
    keyring = load_keyring(tmp_path, {KEYS_ENV: f" {NEW} , {OLD},"})
    assert keyring.key_ids == (key_id(NEW), key_id(OLD))
    assert not (tmp_path / KEYS_FILE).exists()


def test_development_gets_a_private_key_file_that_lasts(tmp_path):
    first = load_keyring(tmp_path / "var", {})
    path = tmp_path / "var" / KEYS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keyring(tmp_path / "var", {}).key_ids == first.key_ids
    assert [p.name for p in path.parent.iterdir()] == [KEYS_FILE]  # no draft left behind


def test_the_key_file_lists_the_current_key_first(tmp_path):
    (tmp_path / KEYS_FILE).write_text(f"# rotated 2026-11\n{NEW}\n\n{OLD}\n", encoding="ascii")
    assert load_keyring(tmp_path, {}).key_ids == (key_id(NEW), key_id(OLD))
    (tmp_path / KEYS_FILE).write_text("# nothing here\n", encoding="ascii")
    with pytest.raises(ConfigurationError, match="没有密钥"):
        load_keyring(tmp_path, {})


def test_encrypted_columns_cannot_be_searched_or_sorted():
    for query in (lambda: DisclosureRequest.id_number == "33010619900101123X",
                  lambda: DisclosureRequest.name.like("张%"),
                  lambda: DisclosureRequest.phone.in_(["13812345678"]), lambda: User.mobile.desc(),
                  lambda: "13812345678" == User.mobile):
        with pytest.raises(PersonalDataQueryError, match="encrypted"):
            query()
    # "No value" is stored as is, so it stays comparable.
    assert "disclosure_request.email =" in str(DisclosureRequest.email == "")
    assert "core_user.mobile IS NULL" in str(User.mobile.is_(None))
