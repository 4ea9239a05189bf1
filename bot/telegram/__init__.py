"""The Telegram channel: the only package that knows python-telegram-bot."""

import os

# Opt in to PTB 22's future behaviour: time periods (RetryAfter.retry_after and friends) as
# timedelta, without the deprecation warning that reading them as int now gives.
os.environ.setdefault("PTB_TIMEDELTA", "1")
