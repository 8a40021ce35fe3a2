"""The web app never imports torch to start or to serve (only a local worker's first kick does)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_server_and_every_app_start_without_torch(tmp_path: Path) -> None:
    code = (
        "import sys, django; django.setup(); "
        "import backend.asgi, backend.schema, kicks.generation, kicks.workers, "
        "presets.sound_design, presets.sample_library; "
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path),
    }
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
