"""Rebalance territories: the assignment model, split along its own seams."""
