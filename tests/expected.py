"""What the shipped example county looks like, shared by the functional and browser tests."""

# The default column tree of deployments/example-county, in navigation order (MISSION.md §1).
DEFAULT_TOP_COLUMNS = {
    "地方概况": ["自然地理", "历史概况", "风景名胜", "经济发展", "文化艺术"],
    "地方旅游": ["旅游信息", "特色景点", "交通指南", "旅游常识"],
    "招商引资": ["投资新闻", "投资政策", "投资环境"],
    "政务公开": ["通知公告", "政府文件", "政府工作报告", "政务动态", "政府采购", "法律法规"],
    "参政议政": ["民意调查", "民意征集", "领导信箱", "网上信访", "投诉咨询"],
    "网上办事": ["办事指南", "表格下载", "在线办理", "个人办事", "企业办事"],
}
BUILTIN_PLUGINS = ("content", "officework", "participation", "village", "harvest", "disclosure")
# Public navigation entries that plugins other than content add after the columns.
EXTRA_NAVIGATION = ["依申请公开"]
