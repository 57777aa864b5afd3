"""`python -m emolens ...` runs the CLI."""

from emolens.cli.main import cli

cli()
