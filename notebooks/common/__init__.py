"""What both notebooks use: the run folder's inputs, the staged outputs, carbon tracking, offline models,
figures."""
