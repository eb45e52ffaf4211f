"""依申请公开: requests for government information under the 政府信息公开条例 (2019)."""
