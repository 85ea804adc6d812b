"""The CogVideoX HTTP API (Zhipu direct or the 302.AI relay), over one shared aiohttp session."""
