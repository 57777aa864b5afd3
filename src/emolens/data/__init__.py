"""Data sets of labelled face crops on disk (Kaggle FER2013 folders, class folders, fer2013.csv) and in memory:
``emolens.data.facesets``."""
