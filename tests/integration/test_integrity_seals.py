"""Integrity seals in the database: append-only, and tampering found by ``govcore integrity verify``."""

from __future__ import annotations


import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from adapters.cli.main import cli
from adapters.db.orm import User
from adapters.db.seals import SealRecord
from govcore.hashchain import ChainHead
from govcore.integrity import SealLedger, next_seal
from govcore.workflow.definition import ACTOR_PERSON, Actor, Definition, Step
from govcore.workflow.service import Workflows
from plugins.content.orm import Item
from plugins.disclosure.desk import RequestDesk
from plugins.disclosure.domain import CITIZEN, DISCLOSE, Applicant, Reply
from tests.integration.cli_deployment import initialised_example


# -- the database refuses changes ------------------------------------------------------------------

def test_a_seal_cannot_be_changed_or_deleted(platform, dbsession):
    with platform.unit_of_work() as uow:
        seal = uow.repository(SealLedger).seal("test.kind", "1", {"title": "通告"})
    for statement in ("UPDATE core_seal SET payload_hash = 'x' WHERE id = :id", "DELETE FROM core_seal WHERE id = :id"):
        with pytest.raises(DBAPIError, match="append-only"), dbsession.begin_nested():
            dbsession.execute(text(statement), {"id": seal.id})
    assert dbsession.get(SealRecord, seal.id).payload_hash == seal.payload_hash


# -- govcore integrity verify on a deployment of its own ---------------------------------------------

# Dropped or disabled only inside these tests' own throw-away databases.
UNGUARD = {
    "sqlite": ["DROP TRIGGER core_seal_no_update", "DROP TRIGGER core_seal_no_delete"],
    "postgresql": ["ALTER TABLE core_seal DISABLE TRIGGER core_seal_guard"],
}


class Deployment:
    """The example county (its demo 政务公开 documents sealed at publication), plus a decided case and a reply."""

    def __init__(self, args: list[str], platform):
        self.args, self.platform = args, platform
        with platform.unit_of_work() as uow:
            clerk = uow.session.scalar(select(User.id).order_by(User.id).limit(1))
            workflows = Workflows(platform, uow)
            workflows.save_definition(Definition("test.sealed", "盖章测试", (
                Step("check", "审核", actors=(Actor(ACTOR_PERSON, user_id=clerk),)),)), author_id=clerk)
            case = workflows.start("test.sealed", subject_type="general", subject_id="1", title="采购打印机",
                                   initiator_id=clerk, org_unit_id=None)
            workflows.act(case.id, actor_id=clerk, action="approve", expected_version=case.version, opinion="同意")
            desk = RequestDesk(uow.session, platform.clock, platform.calendar)
            row, _code = desk.file(Applicant(CITIZEN, name="张三", id_type="居民身份证",
                                             id_number="33010619900101123X", phone="13812345678"),
                                   {"description": "防火方案", "doc_title": "", "doc_number": "", "purpose": "",
                                    "delivery": "online"}, None)
            desk.reply(row, clerk, Reply(DISCLOSE, "", "", "予以公开"), None)
            self.case_id, self.request_id = case.id, row.id
            self.document_ids = list(uow.session.scalars(select(Item.id).where(Item.index_no != "").order_by(Item.id)))

    def verify(self):
        return CliRunner().invoke(cli, ["integrity", "verify", *self.args], catch_exceptions=False)

    def execute(self, *statements, **values) -> None:
        with self.platform.extras["engine"].begin() as connection:
            for statement in statements:
                connection.execute(text(statement), values)

    def seal_rows(self) -> list[dict]:
        with self.platform.extras["engine"].connect() as connection:
            return [dict(row) for row in connection.execute(
                select(SealRecord.__table__).order_by(SealRecord.id)).mappings()]

    def put_back(self, row: dict) -> None:
        with self.platform.extras["engine"].begin() as connection:
            connection.execute(insert(SealRecord.__table__).values(row))


@pytest.fixture
def deployment(database_kind, _govcore_sites, tmp_path):
    args, platform = initialised_example(_govcore_sites["databases"], database_kind, tmp_path / "var")
    yield Deployment(args, platform)
    platform.extras["engine"].dispose()


def test_verify_counts_the_sealed_records_and_names_each_altered_or_vanished_one(deployment):
    documents = len(deployment.document_ids)
    assert documents >= 2  # the demo's 政务公开 documents
    result = deployment.verify()
    assert result.exit_code == 0, result.output
    assert f"主动公开的政务公开信息（content.disclosure）：{documents} 条" in result.output
    assert "办结的审批事项（workflow.case）：1 条" in result.output
    assert "依申请公开答复（disclosure.reply）：1 条" in result.output
    assert f"数据完整性校验通过：共 {documents + 2} 个印章" in result.output

    altered, deleted = deployment.document_ids[:2]
    deployment.execute("UPDATE content_item SET body = '<p>改过的正文</p>' WHERE id = :item",
                       "UPDATE wf_case SET status = 'rejected' WHERE id = :case",
                       "UPDATE disclosure_request SET reply_text = '不予公开' WHERE id = :request",
                       "DELETE FROM content_item WHERE id = :deleted",
                       item=altered, case=deployment.case_id, request=deployment.request_id, deleted=deleted)
    result = deployment.verify()
    assert result.exit_code == 1
    lines = result.output.splitlines()
    for problem, kind, record_id in (("altered", "content.disclosure", altered),
                                     ("altered", "workflow.case", deployment.case_id),
                                     ("altered", "disclosure.reply", deployment.request_id),
                                     ("vanished", "content.disclosure", deleted)):
        assert any(f"/ {problem}:" in line and f" {kind} {record_id}（" in line for line in lines), (kind, result.output)
    assert "3 条记录在盖章后被改动，1 条记录已消失" in result.output
    assert "3 sealed records were altered and 1 vanished" in result.output


def test_verify_finds_seals_deleted_or_added_behind_its_back(deployment, database_kind):
    deployment.execute(*UNGUARD[database_kind])
    rows = deployment.seal_rows()
    last, middle, after_middle = rows[-1], rows[1], rows[2]

    deployment.execute("DELETE FROM core_seal WHERE id = :id", id=last["id"])
    result = deployment.verify()
    assert result.exit_code == 1
    assert f"链头指向第 {last['id']} 个，现存最后一个是第 {last['id'] - 1} 个" in result.output
    deployment.put_back(last)
    assert deployment.verify().exit_code == 0

    deployment.execute("DELETE FROM core_seal WHERE id = :id", id=middle["id"])
    result = deployment.verify()
    assert result.exit_code == 1 and f"印章链在第 {after_middle['id']} 个印章处断裂" in result.output
    deployment.put_back(middle)
    assert deployment.verify().exit_code == 0

    # A forged seal, linked as a genuine one would be, for a record that was never sealed.
    forged = next_seal(ChainHead(last["id"], last["hash"]), "workflow.case", "999", 1, {"status": "approved"},
                       last["sealed_at"], None)
    deployment.put_back({**forged.__dict__})
    result = deployment.verify()
    assert result.exit_code == 1 and f"印章链末尾有链头之外的印章（最后一个是第 {forged.id} 个）" in result.output
