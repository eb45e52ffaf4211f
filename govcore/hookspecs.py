"""The plugin contract: every hook a govcore plugin may implement.

Hooks are grouped by when they are called. ``govcore_register_*`` hooks are called once at
start-up and return lists of value objects (``govcore.contributions``) that the core merges; hooks
called per request receive the request; ``govcore_on_*`` hooks are notifications whose results are
ignored. Each docstring is the hook's documentation; ``tests/unit/test_hookspecs.py`` checks that
every hook is documented and exercised.

A plugin implements hooks with the marker from ``govcore``::

    from govcore import hookimpl

    @hookimpl
    def govcore_register_permissions():
        return [Permission("specialties.edit", "编辑特产")]
"""

from __future__ import annotations

from govcore import hookspec

# -- Start-up: what a plugin declares ------------------------------------------------------------


@hookspec
def govcore_register_permissions():
    """Return a list of :class:`govcore.contributions.Permission` the plugin guards things with.

    Names are ``<area>.<verb>`` and unique across plugins; a duplicate stops the start-up. Roles
    map to these names, and views declare them, so a disabled plugin's permissions disappear from
    the role editor together with its views.
    """


@hookspec
def govcore_register_roles():
    """Return a list of :class:`govcore.contributions.RoleTemplate` to create at seeding time.

    A role proposed by several plugins (same ``name``) receives the union of their permissions. Once
    seeded, roles are data that the security administrator edits; re-seeding never overwrites edits.
    """


@hookspec
def govcore_register_groups():
    """Return a list of :class:`govcore.contributions.GroupTemplate` for front-end users.

    Groups hold ``public`` permissions only; like roles, they are seeded once and then edited.
    """


@hookspec
def govcore_register_scope_types():
    """Return a list of :class:`govcore.contributions.ScopeType` that role assignments can be limited to.

    The core contributes ``org_unit``; the content plugin contributes ``column``. A view checks a
    scoped permission by passing a context whose ``govcore_scope`` attribute is a
    ``(scope type, id)`` pair to ``request.has_permission``.
    """


@hookspec
def govcore_register_content_types():
    """Return a list of :class:`govcore.contributions.ContentType` the plugin offers.

    A county can add fields to a type in ``county.toml`` under ``[content_types.<name>]``; the merged
    types are ``platform.content_types`` (see :func:`govcore.content_types.county_content_types`).
    """


@hookspec
def govcore_register_workflows():
    """Return a list of :class:`govcore.workflow.definition.Definition`: the plugin's default procedures.

    A county's administrators edit copies of them in the workflow designer; a stored copy becomes
    the key's next version, and running cases keep the version they started with. Keys are
    ``<plugin>.<procedure>`` and unique across plugins. Declaring a definition stores nothing: the
    default is stored as version 1 when a case first uses it or an administrator first edits it.
    """


@hookspec
def govcore_register_jobs():
    """Return a list of :class:`ports.scheduler.RecurringJob` to run on a schedule.

    Each run happens in its own transaction, in the in-process scheduler of the demo or in
    ``govcore worker``. A disabled plugin's jobs are removed from the job store at start-up.
    """


@hookspec
def govcore_migration_locations():
    """Return a list of directories holding the plugin's alembic revisions.

    Each plugin owns one branch, labelled with the plugin's name, whose first revision has
    ``branch_labels = ("<plugin>",)`` and ``depends_on = "core"`` when it refers to core tables.
    ``govcore db upgrade`` upgrades every enabled plugin's branch to its head.
    """


@hookspec
def govcore_register_api():
    """Return one :class:`govcore.contributions.ApiSpecFragment` with the plugin's ``/api/v1`` paths.

    The fragments are merged into the OpenAPI 3 document that the app serves at
    ``/api/v1/openapi.json`` and validates every API request and response against. The plugin adds
    the matching views in :func:`govcore_configure_web`, with ``openapi=True``.
    """


@hookspec
def govcore_register_repositories():
    """Return a dict mapping repository Protocols to factories ``factory(uow) -> repository``.

    Services ask the unit of work for ``uow.repository(SomeRepository)``; this hook tells the
    SQLAlchemy unit of work (``uow.session``, ``uow.platform``) how to build the plugin's implementations. Unit tests of a plugin's
    services give the fake unit of work in-memory fakes instead.
    """


# -- Web configuration --------------------------------------------------------------------------


@hookspec
def govcore_configure_web(config):
    """Add the plugin's routes, views, static assets and templates to the Pyramid ``config``.

    Called after the core has configured itself and before ``config.commit()``; the deployment's own
    overrides run after it, so a county can override any view or template. Route names are
    ``<plugin>.<name>``; every view must declare a permission (views that declare none are denied).
    Plugins normally do ``config.include("plugins.<area>.web")``.
    """


@hookspec
def govcore_admin_menu():
    """Return a list of :class:`govcore.contributions.MenuEntry` for the staff area's menu.

    Entries are filtered at render time by the user's permissions.
    """


@hookspec
def govcore_register_portal_blocks():
    """Return a list of :class:`govcore.contributions.PortalBlock` for the public home page.

    The home page shows the blocks of all enabled plugins ordered by ``order``; a county reorders or
    hides them with ``[portal] blocks = [...]`` in ``county.toml``.
    """


@hookspec
def govcore_dashboard_widgets():
    """Return a list of :class:`govcore.contributions.DashboardWidget` for the staff dashboard."""


# -- Per request ---------------------------------------------------------------------------------


@hookspec
def govcore_navigation(request):
    """Return entries for the public site's main navigation: a list of :class:`govcore.contributions.NavItem`.

    The entries of all enabled plugins are shown after the home link, in the order county.toml
    enables the plugins (the content plugin contributes its top columns with their sub-columns;
    another plugin may add a link to its own pages). Called at most once per request.
    """


# -- Data ----------------------------------------------------------------------------------------


@hookspec
def govcore_seed(context):
    """Create the plugin's default data in a new or upgraded deployment.

    ``context`` is a :class:`govcore.seeding.SeedContext` with the unit of work, the county
    configuration and whether demo data is wanted. Seeding must be idempotent: running
    ``govcore init`` twice leaves the same data.
    """


@hookspec
def govcore_search_documents(uow):
    """Yield every :class:`ports.search.SearchDocument` the plugin wants in the search index.

    Called by ``govcore search reindex`` to rebuild the index from scratch, inside a read-only unit
    of work. Day-to-day changes are indexed from :func:`govcore_on_event` instead.
    """


# -- Notifications -------------------------------------------------------------------------------


@hookspec
def govcore_on_event(event, platform):
    """React to a domain event after the transaction that recorded it has committed.

    Typical reactions: update the search index, notify people, purge caches. A rolled back
    transaction dispatches nothing. An exception here is logged and does not undo the commit.
    """


# -- Data protection -----------------------------------------------------------------------------


@hookspec
def govcore_blob_references(uow):
    """Yield the key of every blob the plugin's records refer to.

    The blob store is shared and content-addressed; a blob no record refers to is an orphan (for
    instance the upload of a request whose transaction rolled back, or whose worker was killed).
    ``govcore blobs sweep`` and the daily sweep job delete orphans older than a grace period, and
    backups check that every referenced blob is there. A plugin that stores blobs and does not
    answer this hook loses them to the sweep.
    """


@hookspec
def govcore_register_personal_data():
    """Return a list of :class:`govcore.contributions.PersonalDataKind`: the personal data the plugin holds.

    Each kind says how long its records are kept after they end (``retention_days``, which a
    county overrides under ``[personal_data.retention]`` in county.toml), and how to export,
    erase and expire them. A citizen's 个人信息下载 collects every kind's export; a deletion request
    erases what each kind allows and reports what the law requires to keep; the daily retention
    job expires what has outlived its period.
    """


@hookspec
def govcore_register_seal_kinds():
    """Return a list of :class:`govcore.contributions.SealKind`: records whose content is sealed by hash.

    When such a record becomes final (a document approved, a workflow case decided, a disclosure
    published or answered), its owner seals it with :class:`govcore.integrity.SealLedger`; the
    seals are chained like the audit trail. ``govcore integrity verify`` recomputes each sealed
    record's payload with ``SealKind.payload`` and reports every record altered since.
    """
