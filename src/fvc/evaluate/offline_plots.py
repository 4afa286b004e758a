"""`dvc plots show` without a network: an HTML template that carries the Vega libraries inline.

DVC's default page loads vega, vega-lite and vega-embed from a CDN, so on an offline cluster node its charts are
blank. ``vl-convert-python`` ships those libraries; ``write_offline_template`` bundles them into a template and
points the repository's local DVC config (``plots.html_template``) at it, after which plain ``dvc plots show`` and
``dvc plots diff`` draw every chart offline. ``render_vegalite_png`` renders one DVC plot spec to PNG, so a test
can check that the pipeline's plot definitions draw.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fvc.atomic import write_text
from fvc.errors import FvcError

# Relative to the .dvc folder, as DVC resolves plots.html_template; .dvc/tmp is git-ignored by DVC itself.
TEMPLATE_IN_DVC_DIR = "tmp/plots_offline.html"

# {scripts} is left out on purpose: it is where DVC puts the CDN <script> tags. {plot_divs} call vegaEmbed, which
# the inline bundle defines before them.
_PAGE = """<!DOCTYPE html>
<html>
<head>
    {refresh_tag}
    <meta charset="utf-8">
    <title>DVC Plot (offline)</title>
    <script type="text/javascript">
%s
    </script>
    <style>
        table {
            border-spacing: 15px;
        }
    </style>
</head>
<body>
    {plot_divs}
</body>
</html>
"""


def _vl_convert():
    try:
        import vl_convert
    except ImportError as err:  # an environment made without requirements.txt
        raise FvcError("vl-convert-python is not installed: pip install -r requirements.txt") from err
    return vl_convert


def offline_template() -> str:
    """The HTML of a DVC plots template with vega, vega-lite and vega-embed inline (about 0.9 MB)."""
    bundle = _vl_convert().javascript_bundle("window.vegaEmbed = vegaEmbed;")
    if "</script" in bundle.lower():  # would end the inline element early
        raise FvcError("vl-convert's JavaScript bundle contains '</script': cannot inline it")
    return _PAGE % bundle


def write_offline_template(repo: str | os.PathLike = ".") -> Path:
    """Write the offline template into ``repo/.dvc`` and set ``plots.html_template`` in its local DVC config.

    Returns the template's path. FvcError if ``repo`` is not a DVC repository or ``dvc config`` fails.
    """
    dvc_dir = Path(repo) / ".dvc"
    if not dvc_dir.is_dir():
        raise FvcError(f"{Path(repo).resolve()}: not a DVC repository (no .dvc folder)")
    path = dvc_dir / TEMPLATE_IN_DVC_DIR
    write_text(offline_template(), path)
    done = subprocess.run(
        [sys.executable, "-m", "dvc", "config", "--local", "plots.html_template", TEMPLATE_IN_DVC_DIR],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        reason = " ".join((done.stderr or done.stdout).split())  # one line
        raise FvcError(f"dvc config --local plots.html_template failed: {reason}")
    return path


def render_vegalite_png(spec: dict, scale: float = 1.0) -> bytes:
    """PNG bytes of a Vega-Lite ``spec`` (as ``dvc plots show --json`` gives them), rendered offline."""
    return bytes(_vl_convert().vegalite_to_png(spec, scale=scale))
