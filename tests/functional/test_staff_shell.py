"""The staff area: sign-in, forced password change, dashboard, menu, plugins, inbox, CSRF."""

from adapters.testing.pytest_plugin import TEST_PASSWORD, csrf_token
from govcore.notify import notify
from ports.notifier import Notification
from tests.expected import BUILTIN_PLUGINS


def test_admin_requires_sign_in(testapp):
    response = testapp.get("/admin", status=302)
    assert "/login?came_from=%2Fadmin" in response.location


def test_wrong_password_is_refused_in_chinese(testapp, make_user):
    make_user("clerk", roles=["system_admin"])
    page = testapp.post("/login", {"login": "clerk", "password": "wrong", "csrf_token": csrf_token(testapp)},
                        status=400)
    assert "用户名或密码不正确" in page.text


def test_post_without_csrf_token_is_rejected(testapp, make_user):
    make_user("clerk", roles=["system_admin"])
    testapp.get("/login")
    testapp.post("/login", {"login": "clerk", "password": TEST_PASSWORD}, status=400)


def test_sign_in_rotates_the_session(testapp, make_user, login):
    make_user("clerk", roles=["system_admin"])
    testapp.get("/login")
    before = testapp.cookies.get("govcore_session")
    login("clerk")
    assert testapp.cookies.get("govcore_session") != before


def test_one_time_password_must_be_changed_first(testapp, make_user, login):
    make_user("newcomer", roles=["system_admin"], must_change_password=True)
    response = login("newcomer")
    assert response.location.endswith("/account/password")
    # Nothing else opens before the one-time password is replaced.
    assert "/account/password?came_from=%2Fadmin" in testapp.get("/admin", status=302).location
    testapp.get("/admin/plugins", status=302)
    form = testapp.get("/account/password").forms[1]
    assert "首次登录" in testapp.get("/account/password").text
    form["current"] = TEST_PASSWORD
    form["new"] = "short"
    form["repeat"] = "short"
    page = form.submit(status=400)
    assert "密码至少需要 8 个字符" in page.text
    form = page.forms[1]
    form["current"] = TEST_PASSWORD
    form["new"] = form["repeat"] = "Another-Passw0rd"
    assert form.submit(status=302).location.endswith("/admin")
    assert "首次登录" not in testapp.get("/account/password").text


def test_dashboard_menu_comes_from_enabled_plugins(testapp, make_user, login):
    make_user("sysadmin", roles=["system_admin"])
    login("sysadmin")
    page = testapp.get("/admin")
    menu = page.html.select_one("nav.admin-menu").get_text()
    assert "栏目结构" in menu  # contributed by the content plugin
    assert "插件" in menu
    tree = testapp.get("/admin/content/columns")
    assert "政务公开" in tree.text and "/documents" in tree.text


def test_menu_hides_what_the_user_may_not_open(testapp, make_user, login):
    make_user("citizen", kind="citizen")
    login("citizen")
    testapp.get("/admin", status=403)
    testapp.get("/admin/content/columns", status=403)


def test_staff_without_a_role_start_at_their_task_inbox(testapp, make_user, login):
    make_user("clerk")  # staff, no role: no dashboard, but tasks like everybody on the staff
    assert login("clerk").location.endswith("/admin/tasks")
    page = testapp.get("/admin/tasks")
    menu = page.html.select_one("nav.admin-menu")
    assert "控制台" not in menu.get_text() and "我的待办" in menu.get_text()
    assert page.html.select_one("a.site-title")["href"] == "/admin/tasks"
    testapp.get("/admin", status=403)

    make_user("editor-a", roles=["editor"])
    testapp.reset()
    assert login("editor-a").location.endswith("/admin")


def test_plugins_page_lists_each_builtin_plugin_with_its_state(testapp, make_user, login):
    make_user("sysadmin", roles=["system_admin"])
    login("sysadmin")
    rows = testapp.get("/admin/plugins").html.select("tbody tr")
    states = {row.th.get_text(strip=True): row.find_all("td")[-1].get_text(strip=True) for row in rows}
    for name in BUILTIN_PLUGINS:
        assert states[name] == "已启用"


def test_inbox_shows_notifications_and_marks_them_read(testapp, make_user, login, platform):
    user = make_user("sysadmin", roles=["system_admin"])
    with platform.unit_of_work() as uow:
        notify(uow, platform.mail, Notification(user.id, "请审核", "有一篇稿件待您审核", link="/admin"))
    login("sysadmin")
    unread = testapp.get("/admin").html.select_one('dl.facts a[href="/admin/inbox"]').get_text()
    assert unread == "1"
    page = testapp.get("/admin/inbox")
    assert "请审核" in page.text and "未读" in page.text
    read_form = next(f for f in page.forms.values() if f.action.endswith("/read"))
    read_form.submit(status=302)
    assert "未读" not in testapp.get("/admin/inbox").html.select_one("ul.inbox").get_text()


def test_logout_needs_post_and_ends_the_session(testapp, make_user, login):
    make_user("sysadmin", roles=["system_admin"])
    login("sysadmin")
    testapp.get("/logout", status=404)
    testapp.get("/admin").forms[0].submit(status=302)
    testapp.get("/admin", status=302)
