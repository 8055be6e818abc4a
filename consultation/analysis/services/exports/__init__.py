"""Exports, by stage: requesting, building (in the background), delivering (streaming,
downloading, expiry); plan holds what building and streaming share."""
