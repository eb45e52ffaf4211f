"""The yardsticks, served by gunicorn exactly like the portal:

- ``/``: a plain Pyramid hello-world;
- ``/list?column=<slug>``: a bare Pyramid + SQLAlchemy + Chameleon list page, the first twenty
  items of a column by the same keyset index the portal uses, two small queries, one compiled template,
  when ``BENCH_DATABASE_URL`` names the benchmark database. It shows what the portal's own column
  page could reach with nothing else around it.

    BENCH_DATABASE_URL=postgresql+psycopg://… gunicorn --pythonpath bench _hello:app
"""

from __future__ import annotations

import os

from chameleon import PageTemplate
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

LIST_TEMPLATE = PageTemplate("""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${title}</title></head>
<body><main><h1>${title}</h1>
<ul><li tal:repeat="row rows"><a href="/item/${row.id}">${row.title}</a>
<time datetime="${row.published_at.isoformat()}">${row.published_at.strftime('%Y-%m-%d')}</time></li></ul>
</main></body></html>""")


def hello(request):
    return Response("Hello World!", content_type="text/plain")


def make_list_view(database_url: str):
    # Imported here so that the hello-world alone loads nothing of govcore.
    from plugins.content.orm import Column, Item, Placement

    engine = create_engine(database_url, pool_size=5)

    def column_list(request):
        with Session(engine) as session:
            column = session.execute(select(Column.id, Column.title)
                                     .where(Column.slug == request.GET.get("column", ""))).first()
            if column is None:
                raise HTTPNotFound()
            rows = session.execute(
                select(Item.id, Item.title, Item.published_at).join(Placement, Placement.item_id == Item.id)
                .where(Placement.column_id == column.id, Placement.public.is_(True))
                .order_by(Placement.pinned.desc(), Placement.published_at.desc(), Placement.item_id.desc())
                .limit(20)).all()
        return Response(LIST_TEMPLATE(title=column.title, rows=rows), content_type="text/html")

    return column_list


def make_app():
    with Configurator() as config:
        config.add_route("hello", "/")
        config.add_view(hello, route_name="hello")
        database_url = os.environ.get("BENCH_DATABASE_URL")
        if database_url:
            config.add_route("list", "/list")
            config.add_view(make_list_view(database_url), route_name="list")
        return config.make_wsgi_app()


app = make_app()
