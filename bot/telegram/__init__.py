"""The Telegram interface (python-telegram-bot 22)."""

import os

# Opt in to PTB's future behaviour (durations as timedelta) and skip its warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")
