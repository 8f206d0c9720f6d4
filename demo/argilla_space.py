"""The annotators' Argilla Space: `spaces/argilla/` rendered with the `argilla` version the workspace pins.

    build_argilla_space(Path("build/argilla-space"), workspaces=["farmacos"], org="somosnlp")

A Docker Space on the official image `argilla/argilla-hf-spaces:v<argilla pin>` (server and SDK
versions match), Hugging Face sign-in through `.oauth.yaml`, and a README that explains the secrets,
OAuth and why data is lost without persistent storage. Upload it with `hf upload ORG/NAME DIR
--repo-type space` (or huggingface_hub's `upload_folder`) and attach persistent storage before use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from demo.space import TEMPLATES, pins, render
from runfolder import RunFolder

APP_PORT = 6900


def argilla_card(
    title: str, version: str, oauth: bool, org: str | None, workspaces: list[str], slug: str
) -> str:
    from huggingface_hub import SpaceCard, SpaceCardData

    extra: dict[str, Any] = {}  # Spaces YAML keys SpaceCardData has no parameter for
    if oauth:
        extra = {"hf_oauth": True, **({"hf_oauth_authorized_org": org} if org else {})}
    data = SpaceCardData(
        title=title,
        sdk="docker",
        app_port=APP_PORT,
        license="apache-2.0",  # Argilla's licence
        tags=["argilla", "annotation", "somosnlp"],
        emoji="🏷️",
        colorFrom="purple",
        colorTo="red",
        fullWidth=True,
        pinned=False,
        **extra,
    )
    template = str(TEMPLATES / "argilla" / "README.md.j2")
    card = SpaceCard.from_template(
        data,
        template_path=template,
        workspaces=workspaces,
        slug=slug,
        title=title,
        argilla_version=version,
        oauth=oauth,
        org=org,
    )
    return str(card).rstrip() + "\n"


def build_argilla_space(
    out: Path,
    title: str = "Argilla",
    workspaces: list[str] | None = None,
    org: str | None = None,
    oauth: bool = True,
) -> Path:
    """Write README.md, Dockerfile and .oauth.yaml into `out` (atomically) and return it."""
    workspaces = workspaces or ["argilla"]
    version = pins(("argilla",))["argilla"]
    values = {"argilla_version": version, "oauth": oauth, "workspaces": workspaces}
    with RunFolder(out.parent).atomic_dir(out) as tmp:
        readme = argilla_card(title, version, oauth, org, workspaces, out.resolve().name)
        (tmp / "README.md").write_text(readme, encoding="utf-8")
        (tmp / "Dockerfile").write_text(
            render(TEMPLATES / "argilla" / "Dockerfile.j2", **values), encoding="utf-8"
        )
        oauth_yaml = render(TEMPLATES / "argilla" / "oauth.yaml.j2", **values)
        (tmp / ".oauth.yaml").write_text(oauth_yaml, encoding="utf-8")
    return out
