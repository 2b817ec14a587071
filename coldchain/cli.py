"""The ``coldchain`` command: database migrations, the API service, ingest and look-ups."""

from __future__ import annotations

import typer

from coldchain.settings import ConfigurationError, Settings, load_settings

app = typer.Typer(
    help="coldchain: cold-chain telemetry and vaccine lot ledger.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigurationError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from coldchain import db

    settings = _settings()
    db.upgrade(settings.database_url, revision)
    typer.echo(f"database at {settings.database_url} is at {revision}")


@app.command()
def serve() -> None:
    """Migrate the database, then run the HTTP API."""
    import uvicorn

    from coldchain import db
    from coldchain.wiring import build_app

    settings = _settings()
    db.upgrade(settings.database_url)
    uvicorn.run(build_app(settings), host=settings.api_host, port=settings.api_port)
