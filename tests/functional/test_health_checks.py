"""/healthz names what fails; the database and search cases are in test_outages and test_search_outage."""

from __future__ import annotations


def test_an_unwritable_upload_folder_fails_the_blob_check(testapp, platform, tmp_path, monkeypatch):
    assert testapp.get("/healthz").json["checks"]["blobs"] == {"ok": True, "detail": "文件存储目录可写"}
    (tmp_path / "not-a-folder").write_text("a file where the upload folder should be")
    monkeypatch.setattr(platform.blobs, "directory", tmp_path / "not-a-folder" / "blobs")

    body = testapp.get("/healthz", status=503).json

    assert body["status"] == "fail"
    assert body["checks"]["blobs"]["ok"] is False
    assert "文件存储目录不可写" in body["checks"]["blobs"]["detail"]
    assert all(body["checks"][name]["ok"] for name in ("database", "search", "scheduler"))
