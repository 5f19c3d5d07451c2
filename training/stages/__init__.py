"""The training pipeline of a pack, one module per stage (see make_pack.py for the order)."""
