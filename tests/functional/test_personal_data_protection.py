"""Personal data: encrypted at rest, masked in lists and public pages, and shown whole only on a
request that the audit trail records (issue 6, 个人信息保护)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pyotp
import pytest
from sqlalchemy import select, text

from adapters.db.orm import AuditRecord, OrgUnit, Role, User
from adapters.testing.pytest_plugin import csrf_token
from tests.functional.signin import person, sign_in
from tests.functional.test_disclosure_requests import ID_NUMBER, PHONE, file_request, row_of

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")

NAME, EMAIL, ADDRESS = "张三", "zhangsan@example.com", "浙江省杭州市西湖区文三路100号"
MOBILE = "13900001111"
MASKED = {"name": "张*", "id_number": "3301**********123X", "phone": "138****5678", "email": "z***@example.com",
          "address": "浙江省杭州市****"}


@pytest.fixture
def clock(stop_clock):
    # The middle of a 30-second step, so a TOTP code made now is still good when it arrives.
    now = dt.datetime.now(dt.timezone.utc)
    return stop_clock(now.replace(second=15 + 30 * (now.second // 30), microsecond=0))


@pytest.fixture
def officer(dbsession, make_user, clock):
    return person(dbsession, make_user, "pd-officer", roles=("disclosure_officer",))


def role_with(dbsession, name, *permissions) -> str:
    dbsession.add(Role(name=name, title=name, description="", permissions=["admin.access", *permissions],
                       seeded_permissions=[], builtin=False))
    dbsession.commit()
    return name


def file_citizen_request(testapp):
    return file_request(testapp, name=NAME, email=EMAIL, address=ADDRESS, delivery="post")


def full_view_audits(dbsession) -> list[AuditRecord]:
    return list(dbsession.scalars(select(AuditRecord).where(AuditRecord.action == "personal_data.view_full")
                                  .order_by(AuditRecord.id)))


def test_personal_fields_are_not_readable_in_the_raw_database(testapp, dbsession, platform, make_user, login, clock):
    number, _code, _receipt = file_citizen_request(testapp)
    testapp.reset()
    clerk = make_user("pd-clerk", roles=["department_admin"])
    dbsession.get(User, clerk.id).mobile = MOBILE
    dbsession.commit()
    login("pd-clerk")
    page = testapp.get("/account/totp")
    dbsession.expire_all()
    secret = dbsession.get(User, clerk.id).totp_secret
    form = next(f for f in page.forms.values() if f.action.endswith("/account/totp"))
    form["code"] = pyotp.TOTP(secret).at(clock.now())
    form.submit(status=302)

    keys = platform.extras["personal_keys"]
    stored = dbsession.execute(text("SELECT name, id_number, phone, email, address FROM disclosure_request "
                                    "WHERE tracking_no = :no"), {"no": number}).one()
    for plain, token in zip((NAME, ID_NUMBER, PHONE, EMAIL, ADDRESS), stored):
        assert plain not in token and keys.decrypt(token) == plain
        assert keys.key_id_of(token) == keys.current_key_id
    mobile, totp_secret, enabled = dbsession.execute(
        text("SELECT mobile, totp_secret, totp_enabled FROM core_user WHERE login = 'pd-clerk'")).one()
    assert enabled and MOBILE not in mobile and secret not in totp_secret
    assert (keys.decrypt(mobile), keys.decrypt(totp_secret)) == (MOBILE, secret)
    # Nor did the audit trail take a copy.
    summaries = " ".join(dbsession.scalars(text("SELECT summary FROM core_audit")))
    for plain in (NAME, ID_NUMBER, PHONE, EMAIL, ADDRESS, secret):
        assert plain not in summaries

    # The ORM reads the plain values, so the second factor still works.
    testapp.post("/logout", {"csrf_token": csrf_token(testapp)})
    response = testapp.post("/login", {"login": "pd-clerk", "password": "Test-Passw0rd!",
                                       "csrf_token": csrf_token(testapp)}, status=302)
    assert "/login/totp" in response.location
    prompt = testapp.get("/login/totp")
    form = next(f for f in prompt.forms.values() if "code" in f.fields)
    form["code"] = pyotp.TOTP(secret).at(clock.now() + dt.timedelta(seconds=30))  # the enrolment used this step
    assert "/login" not in form.submit(status=302).location


def test_the_public_status_page_masks_the_applicant(testapp, clock):
    number, _code, _receipt = file_citizen_request(testapp)
    page = testapp.get(f"/disclosure/requests/status/{number}")
    applicant = page.html.select_one("#applicant").get_text()
    for value in MASKED.values():
        assert value in applicant
    for plain in (ID_NUMBER, PHONE, EMAIL, ADDRESS):
        assert plain not in page.text


def test_an_officer_sees_masked_data_until_asking_and_each_full_view_is_audited(testapp, login, dbsession, officer):
    number, _code, _receipt = file_citizen_request(testapp)
    row = row_of(dbsession, number)
    testapp.reset()
    login(officer.login)
    listing = testapp.get("/admin/disclosure/requests")
    detail = testapp.get(f"/admin/disclosure/requests/{row.id}")
    for page in (listing, detail):
        assert all(plain not in page.text for plain in (ID_NUMBER, PHONE, EMAIL, ADDRESS))
    assert all(value in detail.text for value in MASKED.values())
    assert "张*" in listing.text and "3301**********123X" in listing.text and "138****5678" in listing.text
    assert full_view_audits(dbsession) == []

    form = detail.forms["full-view"]
    form["reason"] = "邮寄答复，核对地址"
    full = form.submit(status=200)
    assert full.headers["Cache-Control"] == "no-store"
    assert full.html.select_one("#full-view-notice") is not None
    applicant = full.html.select_one("#applicant").get_text()
    for plain in (NAME, ID_NUMBER, PHONE, EMAIL, ADDRESS):
        assert plain in applicant
    [record] = full_view_audits(dbsession)
    assert (record.actor_login, record.object_type, record.object_id, record.result) == (
        officer.login, "disclosure_request", str(row.id), "success")
    assert json.loads(record.summary) == {"tracking_no": number, "reason": "邮寄答复，核对地址",
                                          "fields": ["name", "id_number", "phone", "email", "address"]}
    for plain in (NAME, ID_NUMBER, PHONE, EMAIL, ADDRESS):
        assert plain not in record.summary
    # The next page view is masked again; the actions work from the full view as from any other.
    assert ID_NUMBER not in testapp.get(f"/admin/disclosure/requests/{row.id}").text
    accept = full.forms["act-accept"].submit(status=302)
    assert accept.location.endswith(f"/admin/disclosure/requests/{row.id}")

    too_long = testapp.get(f"/admin/disclosure/requests/{row.id}").forms["full-view"]
    too_long["reason"] = "理" * 201
    refused = too_long.submit(status=400)
    assert "查看事由不能超过 200 个字" in refused.text and ID_NUMBER not in refused.text
    assert len(full_view_audits(dbsession)) == 1


def test_without_the_permission_there_is_no_full_view(testapp, login, dbsession, make_user, clock):
    number, _code, _receipt = file_citizen_request(testapp)
    row = row_of(dbsession, number)
    path = f"/admin/disclosure/requests/{row.id}/personal-data"
    testapp.reset()
    assert testapp.post(path, {"csrf_token": csrf_token(testapp)}, expect_errors=True).status_int == 403
    # Who may see requests but not personal data in full: no button, and 403 when asking anyway.
    viewer = person(dbsession, make_user, "pd-viewer", roles=(role_with(dbsession, "pd_viewer",
                                                                        "disclosure.requests.view"),))
    login(viewer.login)
    detail = testapp.get(f"/admin/disclosure/requests/{row.id}")
    assert 'id="full-view"' not in detail.text and ID_NUMBER not in detail.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', detail.text).group(1)
    refused = testapp.post(path, {"csrf_token": token}, expect_errors=True)
    assert refused.status_int == 403 and ID_NUMBER not in refused.text
    # Full views elsewhere do not open the disclosure office's requests.
    testapp.reset()
    outsider = person(dbsession, make_user, "pd-outsider", roles=(role_with(dbsession, "pd_outsider",
                                                                            "personal_data.view_full"),))
    login(outsider.login)
    refused = testapp.post(path, {"csrf_token": csrf_token(testapp)}, expect_errors=True)
    assert refused.status_int == 403 and ID_NUMBER not in refused.text
    assert full_view_audits(dbsession) == []


def test_staff_account_pages_mask_the_mobile_number(testapp, dbsession, make_user, login, clock):
    admin = person(dbsession, make_user, "pd-sysadmin", ["system_admin"])
    sign_in(testapp, login, admin)
    colleague = dbsession.get(User, make_user("pd-colleague").id)
    colleague.mobile, colleague.org_unit_id = MOBILE, dbsession.scalar(select(OrgUnit.id).limit(1))
    dbsession.commit()
    detail = testapp.get(f"/admin/users/{colleague.id}")
    assert detail.html.select_one("#user-mobile").get_text() == "139****1111" and MOBILE not in detail.text
    form = testapp.get(f"/admin/users/{colleague.id}/edit").forms[1]
    assert form["mobile"].value == "139****1111"
    form["display_name"] = "同事"
    form.submit(status=302)  # the masked number sent back unchanged keeps the number
    dbsession.expire_all()
    assert dbsession.get(User, colleague.id).mobile == MOBILE
    form = testapp.get(f"/admin/users/{colleague.id}/edit").forms[1]
    form["mobile"] = "13722223333"
    form.submit(status=302)
    dbsession.expire_all()
    assert dbsession.get(User, colleague.id).mobile == "13722223333"
    record = dbsession.scalars(select(AuditRecord).where(AuditRecord.action == "user.update")
                               .order_by(AuditRecord.id.desc())).first()
    assert json.loads(record.summary)["changes"] == {"mobile": ["139****1111", "137****3333"]}
