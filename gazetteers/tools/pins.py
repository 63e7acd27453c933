"""Checks that the packages pinned in requirements.txt are installed at exactly those versions.

The gazetteer build scripts call this before importing the packages, so that their output never
depends on unpinned data.
"""
from __future__ import annotations

import os
import sys

REQUIREMENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "requirements.txt")


def check_requirements(script: str) -> None:
    """Exits with status 2 and the pip command when a pinned package is missing or differs."""
    from importlib import metadata

    bad = []
    for line in open(REQUIREMENTS, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, want = line.partition("==")
        name, want = name.strip(), want.strip()
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = None
        if have != want:
            bad.append(f"  {name}: need {want}, found {have or 'not installed'}")
    if bad:
        sys.stderr.write(
            f"{script}: pinned packages missing or at another version:\n"
            + "\n".join(bad)
            + "\nInstall them with:\n  pip install -r gazetteers/tools/requirements.txt\n"
            "(the output must not depend on unpinned data).\n"
        )
        sys.exit(2)
