"""Thin Lambda entry points, one module per stage (`familyplus.handlers.<stage>.handler`)."""
