"""The plugin inside a running site, through govcore's fixtures.

Each test runs inside a transaction that is rolled back afterwards, once on SQLite and once on
PostgreSQL when a server answers, so the migration is exercised on both databases.
"""

from sqlalchemy import inspect

from govcore_local_specialties.plugin import EDITOR_ROLE


def test_the_deployment_enables_the_plugin_and_its_table_exists(platform, dbsession):
    assert "local_specialties" in platform.plugins.enabled
    assert "specialties_product" in inspect(dbsession.connection()).get_table_names()


def test_visitors_see_the_demo_products_grouped_by_township(testapp):
    page = testapp.get("/specialties")
    assert [h.get_text() for h in page.html.select("section h2")] == ["城关镇", "青山乡"]
    assert "高山云雾茶" in testapp.get("/").html.select_one(".specialties-block").get_text()


def test_an_editor_adds_a_product_after_correcting_a_mistake(testapp, make_user, login):
    make_user("tea-editor", roles=[EDITOR_ROLE])
    login("tea-editor")
    form = testapp.get("/admin/specialties").forms["specialty-form"]
    form["name"] = "野生猕猴桃"
    form["township"] = "青山乡"
    page = form.submit(status=400)
    assert "请填写特产介绍" in page.text
    form = page.forms["specialty-form"]
    assert form["name"].value == "野生猕猴桃" and form["township"].value == "青山乡"

    form["description"] = "九月下旬上市，果肉翠绿，酸甜适口。"
    assert "已添加地方特产“野生猕猴桃”" in form.submit(status=302).follow().text
    assert "果肉翠绿" in testapp.get("/specialties").text


def test_visitors_cannot_open_the_staff_page(testapp):
    assert "/login" in testapp.get("/admin/specialties", status=302).location
