"""`python -m bot ...` runs the `community-voice` command (bot/cli.py)."""

import sys

from bot.cli import main

sys.exit(main())
