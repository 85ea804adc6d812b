"""Thin discord.py extensions: parse the interaction, call bot/, render. Loaded by walking this package."""
