"""`python -m emolens` runs the command line."""

from emolens.cli.main import cli

cli()
