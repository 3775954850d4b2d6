"""Sensors: new postings landing, expiry, automation (see the sensors issue)."""
