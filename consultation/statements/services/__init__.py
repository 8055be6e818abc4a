"""Statements services: set-up and seeding, voting and submitting, moderation, results."""
