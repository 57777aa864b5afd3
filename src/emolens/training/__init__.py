"""Training, evaluation and export of emotion models. The only part of emolens that imports torch."""
