"""The host around the pure flow engine: steps, resident commands, hooks, rendering."""
