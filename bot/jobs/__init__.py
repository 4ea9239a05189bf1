"""Scheduled work: rounds closing, broadcasts, reminders and check-ins."""
