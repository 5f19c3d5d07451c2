"""Training data, prepared by code from sources the project may use (see NOTICE files)."""
