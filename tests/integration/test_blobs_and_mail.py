"""The filesystem blob store and the development mail folder."""

import email
import email.policy
import io

import pytest

from adapters.blobs.filesystem import FileBlobStore
from adapters.notify.mail import MailDirSender, mail_sender_from_settings, SmtpSender
from ports.notifier import MailMessage


def test_blobs_are_content_addressed_and_deduplicated(tmp_path):
    store = FileBlobStore(tmp_path / "blobs")
    first = store.put("政府文件".encode())
    second = store.put(io.BytesIO("政府文件".encode()))
    assert first == second and first.size == len("政府文件".encode())
    assert store.exists(first.key)
    with store.open(first.key) as fh:
        assert fh.read().decode() == "政府文件"
    assert list(store.keys()) == [first.key]
    assert not list((tmp_path / "blobs").glob(".incoming-*"))
    store.delete(first.key)
    assert not store.exists(first.key)
    store.delete(first.key)  # deleting twice is harmless


def test_blob_keys_cannot_escape_the_folder(tmp_path):
    store = FileBlobStore(tmp_path / "blobs")
    with pytest.raises(KeyError):
        store.open("../../etc/passwd")
    assert not store.exists("../" * 3 + "x" * 55)


def test_mail_folder_keeps_each_message_as_an_eml_file(tmp_path):
    sender = MailDirSender(tmp_path / "mail", "noreply@example.gov.cn")
    sender.send(MailMessage(to=("citizen@example.cn",), subject="您的申请已受理", body="受理编号 2026-0001"))
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "您的申请已受理"
    assert "2026-0001" in message.get_content()


def test_smtp_is_used_when_configured(tmp_path):
    assert isinstance(mail_sender_from_settings({}, tmp_path), MailDirSender)
    smtp = mail_sender_from_settings({"govcore.mail.smtp_host": "smtp.example.gov.cn", "govcore.mail.smtp_port": "465",
                                      "govcore.mail.smtp_starttls": "false"}, tmp_path)
    assert isinstance(smtp, SmtpSender) and smtp.port == 465 and smtp.starttls is False
