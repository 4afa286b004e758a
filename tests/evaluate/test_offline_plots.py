"""The offline `dvc plots show` template: Vega inline, DVC's placeholders kept, and config pointing at it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from dvc_render.html import HTML
from PIL import Image

from fvc.errors import FvcError
from fvc.evaluate.offline_plots import offline_template, render_vegalite_png, write_offline_template


def test_template_inlines_vega_and_keeps_dvcs_placeholders() -> None:
    template = offline_template()
    assert "{plot_divs}" in template and "{refresh_tag}" in template
    assert "{scripts}" not in template  # where DVC would put its CDN <script> tags
    assert "window.vegaEmbed=" in template and "<script src" not in template  # nothing loaded from outside
    page = HTML(template).with_element("<div id='x'></div>").embed()
    assert "<div id='x'></div>" in page and "cdn." not in page


def test_write_sets_the_local_dvc_config(tmp_path: Path) -> None:
    env = {**os.environ, "DVC_NO_ANALYTICS": "1", "DVC_SITE_CACHE_DIR": str(tmp_path / "site")}
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run([sys.executable, "-m", "dvc", "init", "--no-scm", "-q"], cwd=repo, check=True, env=env)
    path = write_offline_template(repo)
    assert path == repo / ".dvc" / "tmp" / "plots_offline.html" and path.stat().st_size > 100_000
    assert "html_template = tmp/plots_offline.html" in (repo / ".dvc" / "config.local").read_text()


def test_write_outside_a_dvc_repo_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FvcError, match="not a DVC repository"):
        write_offline_template(tmp_path)


def test_a_vega_lite_spec_renders_to_a_png() -> None:
    spec = {
        "data": {"values": [{"x": 0, "y": 0}, {"x": 1, "y": 1}]},
        "mark": "line",
        "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"}},
    }
    png = np.asarray(Image.open(io.BytesIO(render_vegalite_png(spec))).convert("L"))
    assert png.ndim == 2 and png.std() > 5  # axes and a line, not a blank canvas
