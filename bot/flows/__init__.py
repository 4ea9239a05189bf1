"""Flows: the declarative dialogue model, its loader and validator, and the pure engine."""
