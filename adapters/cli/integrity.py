"""``govcore integrity verify``: the chain of integrity seals, and every sealed record against its seal."""

from __future__ import annotations

import click

from adapters.cli.options import _fail, deployment_options


@click.group()
def integrity() -> None:
    """数据完整性印章 / integrity seals of final records."""


@integrity.command("verify")
@deployment_options()
def integrity_verify(settings) -> None:
    """校验印章链，并逐条核对盖章的记录是否被改动或删除 / verify the seal chain and every sealed record."""
    from adapters.bootstrap import build_platform, require_current_schema
    from govcore.integrity import ALTERED, SealLedger, seal_kinds, verify

    platform = build_platform(settings)
    require_current_schema(platform)
    kinds = seal_kinds(platform.plugins)
    with platform.unit_of_work() as uow:
        report = verify(uow.repository(SealLedger), kinds, uow)
    for name, kind in kinds.items():
        count = report.records.get(name, 0)
        click.echo(f"{kind.title}（{name}）：{count} 条 / {name}: {count} records")
    for name, count in report.unchecked.items():
        click.echo(f"未启用的印章类型 {name}：{count} 条未核对 / {name}: {count} records not checked (kind not enabled)")
    for finding in report.findings:
        seal = finding.seal
        kind = kinds[seal.kind]
        sealed_at = seal.sealed_at.astimezone(platform.clock.tz).strftime("%Y-%m-%d %H:%M:%S")
        zh, en = ("已被改动", "altered") if finding.problem == ALTERED else ("已消失", "vanished")
        click.echo(f"{zh} / {en}: {kind.title} {seal.kind} {seal.record_id}"
                   f"（第 {seal.version} 版印章 #{seal.id}，{sealed_at}）")
    problems = chain_problems(report.chain)
    if report.findings:
        altered, vanished = len(report.altered()), len(report.vanished())
        problems.append((f"{altered} 条记录在盖章后被改动，{vanished} 条记录已消失",
                         f"{altered} sealed records were altered and {vanished} vanished since they were sealed"))
    if problems:
        raise _fail("\n".join(zh for zh, _en in problems), "\n".join(en for _zh, en in problems))
    click.echo(f"数据完整性校验通过：共 {report.chain.length} 个印章 / integrity intact: {report.chain.length} seals")


def chain_problems(chain) -> list[tuple[str, str]]:
    """What is wrong with the chain itself, in Chinese and English."""
    problems = []
    if chain.broken_at is not None:
        problems.append((f"印章链在第 {chain.broken_at} 个印章处断裂：该印章或它之前的印章被改动、插入或删除",
                         f"seal chain broken at seal {chain.broken_at}: it or a seal before it was altered, "
                         f"inserted or deleted"))
    if chain.head is None:
        problems.append(("印章链的链头记录缺失，印章已被改动", "the seal chain head is missing: the seals were tampered with"))
    elif chain.tail_cut:
        problems.append((f"印章链末尾的印章被删除或链头被改动：链头指向第 {chain.head.last_id} 个，现存最后一个是第 {chain.last_id} 个",
                         f"the end of the seal chain was deleted or its head altered: the head points at seal "
                         f"{chain.head.last_id}, the last remaining seal is {chain.last_id}"))
    if chain.unrecorded:
        problems.append((f"印章链末尾有链头之外的印章（最后一个是第 {chain.last_id} 个）：印章被绕过系统添加",
                         f"seals lie beyond the chain head (the last is seal {chain.last_id}): they were added "
                         f"behind the application's back"))
    return problems
