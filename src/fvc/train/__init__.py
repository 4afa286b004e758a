"""Training: the fold loop, its schedule, early stopping and checkpoints."""
