"""The `pipeline` group and its commands, one module per subject."""

from __future__ import annotations

import sys

import click

from pipeline import __version__
from pipeline.cli.adopt import adopt
from pipeline.cli.check import check, prune
from pipeline.cli.common import UsageLine, common_options, error
from pipeline.cli.evaluate import evaluate
from pipeline.cli.exchange import export, import_
from pipeline.cli.models import models
from pipeline.cli.review import review
from pipeline.cli.translate import translate
from pipeline.core.errors import ExitStatus, PipelineError, exit_status_help

EPILOG = "Exit statuses:\n\n\b\n" + exit_status_help()


class Pipeline(click.Group):
    """click's group, with a bad command line reported as every other error is: one line, status 2."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            status = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as e:  # `pipeline` alone: the help, as click shows it
            e.show()
            sys.exit(int(ExitStatus.USAGE))
        except UsageLine as e:
            e.show()
            sys.exit(int(ExitStatus.USAGE))
        except click.UsageError as e:
            where = e.ctx.command_path if e.ctx is not None else "pipeline"
            error(f"{' '.join(e.format_message().split())} (see '{where} --help')")
            sys.exit(int(ExitStatus.USAGE))
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except PipelineError as e:  # raised while the command line is parsed (a language code's check)
            error(str(e))
            sys.exit(int(e.status))
        except click.exceptions.Abort:
            error("interrupted")
            sys.exit(int(ExitStatus.INTERRUPTED))
        sys.exit(status if isinstance(status, int) else 0)  # --help and --version return 0


@click.group(cls=Pipeline, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="pipeline")
@common_options
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
