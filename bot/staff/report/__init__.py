"""The QS148 evidence report: every measure the data supports, and what to attach for the rest."""
