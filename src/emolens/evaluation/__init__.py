"""Judging a model without torch: metrics over labels, evaluation on a data set, explanations of one face."""
