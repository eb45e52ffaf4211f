"""Demo content: a few weeks of a fictional county's news, notices and documents.

The texts are written for the demo (no third-party pages are republished). Seeded only for a demo
county and only while it has no items, so ``govcore init`` stays idempotent.
"""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import func, select

from govcore.seeding import SeedContext
from plugins.content.items import ARTICLE, DEFAULT_INDEX_PATTERN, NOTICE, PAGE, PICTURES
from plugins.content.orm import Column, Item, Topic, TopicItem, TopicSection, Upload
from plugins.content.publishing import Publishing

NEWS = [
    ("县政府召开第十二次常务会议", "会议研究部署冬季安全生产、冬春农田水利建设和困难群众冬季生活保障等工作。",
     ["会议听取了县应急管理局关于今冬明春安全生产形势的汇报，要求各乡镇、各部门压紧压实安全责任，"
      "聚焦道路交通、燃气、消防等重点领域，开展隐患排查整治。",
      "会议强调，要提前做好困难群众冬季生活保障，确保低保、特困供养资金按时足额发放，"
      "确保每一户困难群众温暖过冬。"]),
    ("全县秋粮收购工作有序推进", "截至目前，全县已收购秋粮二点三万吨，收购价格总体平稳。",
     ["县发展和改革局会同县粮食储备公司，在城关镇、东关乡等地设立六个收购网点，延长收购时间，"
      "方便农民就近售粮。", "各网点公开收购价格和质量标准，严禁压级压价、打白条。"]),
    ("城关镇老旧小区改造工程全面完工", "本年度改造老旧小区十四个，惠及居民三千二百余户。",
     ["改造内容包括屋面防水、外墙保温、雨污分流、加装电梯和停车位改造等。",
      "改造过程中，镇政府坚持“居民点单、政府配菜”，先后召开居民议事会四十余场。"]),
    ("县人民医院开通远程会诊平台", "群众在家门口即可享受市级医院专家诊疗服务。",
     ["平台已接入市第一人民医院等三家三级医院，涵盖心血管、神经、儿科等十二个专科。",
      "今年以来，平台已完成远程会诊六百余例，为患者节省往返费用和时间。"]),
    ("我县举办第五届农民丰收节", "活动展示了全县特色农产品和乡村振兴成果。",
     ["丰收节期间举办了农产品展销、农耕文化展示和直播带货等活动，线上线下销售额超过八百万元。"]),
    ("县政务服务中心推行“一窗通办”", "企业和群众办事平均等待时间缩短至十分钟以内。",
     ["服务中心将原有的二十三个部门窗口整合为综合受理窗口，实行“前台综合受理、后台分类审批、统一窗口出件”。",
      "同时推出延时服务和预约服务，周六上午正常办理业务。"]),
]
NOTICES = [
    ("关于二〇二七年元旦放假安排的通知", "根据国务院办公厅通知精神，现将元旦放假安排通知如下。",
     ["一月一日（星期五）至三日（星期日）放假调休，共三天。", "各单位要妥善安排好值班和安全保卫等工作。"]),
    ("关于开展冬季消防安全专项检查的公告", "为切实做好冬季火灾防控工作，决定开展消防安全专项检查。",
     ["检查时间为十二月一日至明年二月底，重点检查人员密集场所、高层建筑和“九小场所”。"]),
]
DOCUMENTS = [
    ("县人民政府关于印发进一步优化营商环境若干措施的通知", "县政发〔2026〕12号", "综合政务",
     ["各乡镇人民政府，县政府各部门：", "现将《进一步优化营商环境若干措施》印发给你们，请认真贯彻执行。"]),
    ("县人民政府办公室关于做好二〇二六年冬春农田水利建设工作的通知", "县政办发〔2026〕31号", "农业、林业、水利",
     ["各乡镇人民政府，县政府有关部门：", "为加快补齐农田水利基础设施短板，现就做好今冬明春农田水利建设工作通知如下。"]),
]
TOPIC_TITLES = {NEWS[5][0], DOCUMENTS[0][0]}  # what the demo topic gathers
OVERVIEW = ("自然地理", ["本县位于示例市东南部，总面积一千二百平方千米，地势西高东低，属亚热带季风气候，四季分明，雨量充沛。",
                      "境内有大小河流二十余条，森林覆盖率百分之六十二。"])


def _paragraphs(lines: list[str]) -> str:
    return "".join(f"<p>{line}</p>" for line in lines)


def _cover(platform, session, now: dt.datetime) -> Upload:
    """A plain gradient picture as the headline's cover (made here: no third-party image is shipped).

    Recorded as an upload like an editor's, so the file is served once its item is published.
    """
    from PIL import Image

    image = Image.new("RGB", (960, 540))
    image.putdata([(20 + x * 60 // 960, 90 + y * 80 // 540, 160 + x * 60 // 960) for y in range(540) for x in range(960)])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    blob = platform.blobs.put(buffer.getvalue())
    upload = Upload(blob_key=blob.key, filename="cover.png", media_type="image/png", size=blob.size,
                    attachment=False, position=0, uploaded_at=now)
    session.add(upload)
    return upload


def seed_demo_items(context: SeedContext) -> int:
    uow, platform = context.uow, context.platform
    session = uow.session
    if platform is None or session.scalar(select(func.count()).select_from(Item)):
        return 0
    columns = dict(session.execute(select(Column.slug, Column.id)).all())
    publishing = Publishing(platform, uow)
    store, now = publishing.store, context.clock.now()
    settings = context.county.plugin_settings("content")
    created = 0
    created_items: list[Item] = []

    def add(slug: str, type_: str, title: str, summary: str, lines: list[str], days_ago: int, **values) -> Item | None:
        nonlocal created
        if slug not in columns:
            return None
        item = store.create(column_id=columns[slug], type=type_, title=title, user_id=None, summary=summary,
                            body=_paragraphs(lines), source="示例县人民政府", **values)
        item.published_at = now - dt.timedelta(days=days_ago, hours=created)
        publishing.publish(item, None)
        created += 1
        if title in TOPIC_TITLES:
            created_items.append(item)
        return item

    for number, (title, summary, lines) in enumerate(NEWS):
        cover = _cover(platform, session, now) if number == 0 else None
        extra = {"pinned": True, "cover_key": cover.blob_key} if cover else {}
        item = add("government-news", PICTURES if number == 0 else ARTICLE, title, summary, lines, number * 3, **extra)
        if cover is not None and item is not None:
            cover.item_id = item.id
    for number, (title, summary, lines) in enumerate(NOTICES):
        add("notices", NOTICE, title, summary, lines, number * 5 + 1)
    for number, (title, doc_number, theme, lines) in enumerate(DOCUMENTS):
        written = (now - dt.timedelta(days=number * 20 + 10)).date()
        index_no = store.next_index_number(settings.get("index_pattern", DEFAULT_INDEX_PATTERN),
                                           org=str(settings.get("index_org", "000000000")), year=written.year, theme=theme)
        add("documents", ARTICLE, title, "", lines, number * 20 + 8, doc_number=doc_number, issuing_org="示例县人民政府",
            written_on=written, theme=theme, disclosure_mode="主动公开", validity="有效", index_no=index_no)
    add("geography", PAGE, OVERVIEW[0], "", OVERVIEW[1], 60)
    _topic(session, now, created_items)
    return created


def _topic(session, now: dt.datetime, items: list[Item]) -> None:
    """One topic gathering news and documents from two columns, in two sections."""
    topic = Topic(slug="business-environment", title="优化营商环境", layout="sections", hidden=False, position=0,
                  description="集中展示我县优化营商环境的政策文件和工作动态。", banner_key="", created_at=now)
    session.add(topic)
    session.flush()
    sections = [TopicSection(topic_id=topic.id, title=title, position=number)
                for number, title in enumerate(("政策文件", "工作动态"))]
    session.add_all(sections)
    session.flush()
    for position, item in enumerate(items):
        section = sections[0] if item.index_no else sections[1]
        session.add(TopicItem(topic_id=topic.id, item_id=item.id, section_id=section.id, position=position))
