"""Intake triage (智能分拨): duplicate reports found and merged (重复件合并)."""
