"""The staff dashboard: server-rendered pages over aiohttp and Jinja2, in the bot's own
process. Every change it makes goes through the staff functions the command line and Telegram
use (bot/staff/), which check the role and write the audit log."""
