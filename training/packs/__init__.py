"""Recipes of the embedded default packs: data, model sizes and training budgets."""
