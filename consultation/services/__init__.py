"""Writes for consultations, proposal pages, comments and moderation, by sub-domain."""
