"""How a pack is measured (evaluate.py, with the CAS judge in classifier.py) and described
(model_card.py)."""
