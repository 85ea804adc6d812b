"""`python -m bot` is `reelbot`."""

from bot.cli import main

raise SystemExit(main())
