"""reelbot: prompts and pictures to CogVideoX videos in Discord, within a per-server budget."""

__version__ = "0.1.0"
