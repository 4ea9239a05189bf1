"""What staff can do, the same from every channel (Telegram, the command line, the web):
each action checks the actor's role and is written to the audit log in its own transaction."""
