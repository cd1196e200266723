"""The `pipeline` group and its commands, one module per subject."""

from __future__ import annotations

import click

from pipeline import __version__
from pipeline.cli.adopt import adopt
from pipeline.cli.check import check, prune
from pipeline.cli.common import config_option, quiet_option
from pipeline.cli.evaluate import evaluate
from pipeline.cli.exchange import export, import_
from pipeline.cli.models import models
from pipeline.cli.review import review
from pipeline.cli.translate import translate
from pipeline.core.errors import exit_status_help

EPILOG = "Exit statuses:\n\n\b\n" + exit_status_help()


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="pipeline")
@config_option
@quiet_option
def main(config_path, quiet_flag) -> None:
    """Translate folders of Markdown and text articles offline with Argos Translate models
    (Ukrainian and English first, any pair the Argos index offers), and write bilingual files for review."""


main.add_command(translate)
main.add_command(check)
main.add_command(prune)
main.add_command(export)
main.add_command(import_)
main.add_command(models)
main.add_command(review)
main.add_command(adopt)
main.add_command(evaluate)
