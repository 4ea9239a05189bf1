"""The four QS148 statements as the bot's flows see them: options, facts, texts and records."""
