"""Budgets and per-member limits: what a server may spend and when it resets."""
