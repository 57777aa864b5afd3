"""`emolens people add|list|remove`: enrol people from photos, list them, remove them with their records."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from emolens.cli.options import db_option

if TYPE_CHECKING:
    from emolens.storage import Store

__all__ = ["command"]


def _store(db: str | None) -> Store:
    from emolens.config import load_settings
    from emolens.storage import Store

    return Store(load_settings(db=db).db_url())


@click.group("people")
def command() -> None:
    """Enrol known people from photos, list them, remove them; predictions then name them."""


@command.command("add")
@click.argument("name")
@click.argument("photos", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@db_option
def add(name: str, photos: tuple[str, ...], db: str | None) -> None:
    """Enrol NAME from PHOTOS (each with exactly one face; several photos recognise better)."""
    from emolens.session.people import enrol
    from emolens.vision.pipeline import Analyzer

    store = _store(db)
    try:
        record = enrol(store, Analyzer(), name, photos)
    finally:
        store.close()
    click.echo(f"enrolled {record.name}: {record.embedding_count} face embedding(s) stored (never the photos)")


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@db_option
def list_people(as_json: bool, db: str | None) -> None:
    """Enrolled people with their embeddings and observations."""
    store = _store(db)
    try:
        people = store.people.list()
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in people], ensure_ascii=False))
        return
    if not people:
        click.echo("nobody is enrolled yet: emolens people add NAME PHOTO...")
    for p in people:
        click.echo(
            f"{p.name}\t{p.embedding_count} embedding(s)\t{p.observation_count} observation(s)\t"
            f"since {p.created_at:%Y-%m-%d %H:%M} UTC"
        )


@command.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@db_option
def remove(name: str, yes: bool, db: str | None) -> None:
    """Remove NAME, their face embeddings, every emotion record and face crop naming them."""
    from emolens.config import load_settings
    from emolens.storage.facefiles import remove_person_crops

    store = _store(db)
    try:
        record = store.people.get(name)
        if not yes:
            click.confirm(f"remove {name} and their {record.observation_count} observation(s)?", abort=True)
        record = store.people.remove(name)
        crops = remove_person_crops(load_settings().data_dir, record.name)
        store.purge_deleted()
    finally:
        store.close()
    click.echo(
        f"removed {record.name}: {record.embedding_count} embedding(s), {record.observation_count} observation(s), "
        f"{crops} face crop(s)"
    )
