"""pipeline review"""

from __future__ import annotations

import sys
import threading

import click

from pipeline.cli.common import common_options, error, existing, load_config, output_folder, reports_errors
from pipeline.core.errors import ExitStatus


@click.command()
@click.argument("sources", nargs=-1, type=click.Path(), callback=existing)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder of the translations [default: output.dir].")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port to listen on (0: any free one).")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; any but a loopback address (127.0.0.1, ::1) is reachable by others.",
)
@click.option("--no-browser", is_flag=True, help="Only print the address; do not open a browser.")
@click.option("--editor", metavar="NAME", help="Who the changes are by, in each sentence's history [default: git config user.name].")
@common_options
@reports_errors
def review(sources, out_dir, port, host, no_browser, editor, config_path, quiet_flag) -> None:
    """Review and correct translations in the browser: a local web app.

    Lists every translation of SOURCES (default: the source folders config.yaml and the output
    folder know) with its state; shows each article sentence by sentence; editors' corrections
    and approvals are saved exactly as `pipeline import` saves them, each with who (--editor),
    when and the text it replaced. Prints the address to open (with this launch's token) once
    the server answers, also with -q; Ctrl+C stops it.
    """
    try:
        from pipeline.review import app
    except ImportError as e:
        error(f"pipeline review needs Starlette and uvicorn ({e.name} is missing): pip install 'uk-en-pipeline[review]'")
        sys.exit(int(ExitStatus.USAGE))
    from pipeline.review.project import Project
    from pipeline.workspace import Workspace

    config = load_config(config_path, glossary=True)
    output_folder(out_dir, config)  # it must exist
    ws = Workspace.open(config, out_dir, sources)
    project = Project(ws, list(sources), editor=editor or "")
    if host.strip("[]") not in ("127.0.0.1", "::1", "localhost"):
        click.echo(
            f"pipeline: warning: listening on {host}: anyone who can reach it and has the address with its token can change translations",
            err=True,
        )
    try:
        server = app.make(project, "127.0.0.1" if host == "localhost" else host, port)
    except OSError as e:
        error(f"cannot listen on {host}:{port}: {e.strerror or e}")
        sys.exit(int(ExitStatus.USAGE))

    def ready() -> None:
        click.echo(server.url)
        sys.stdout.flush()
        if not no_browser:
            import webbrowser

            # some browsers block until they exit: open it beside the server
            threading.Thread(target=webbrowser.open, args=[server.url], daemon=True).start()

    server.run(ready)
