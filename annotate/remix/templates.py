"""The instruction templates of `annotate remix`, read from a YAML file a team can edit.

    templates = load_templates(Path("annotate/remix/templates.yaml"))
    templates.segmento, templates.plantillas[0].instruccion

See `templates.yaml` for the fields. Checked when read: every placeholder must be one the task
fills (`{etiquetas}` always; `{etiqueta}` for extraccion_etiqueta and mencion; `{mencion}` for tipado;
write `{{` and `}}` for literal braces), ids unique; a problem names the file and the template.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from annotate.errors import RemixError

PLACEHOLDERS = {
    "extraccion": {"etiquetas"},
    "extraccion_etiqueta": {"etiquetas", "etiqueta"},
    "tipado": {"etiquetas", "mencion"},
    "mencion": {"etiquetas", "etiqueta"},
    "clasificacion": {"etiquetas"},
}


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    tarea: Literal["extraccion", "extraccion_etiqueta", "tipado", "mencion", "clasificacion"]
    instruccion: str = Field(min_length=1)
    formato: Literal["lineas", "json"] = "lineas"
    peso: float = Field(default=1.0, gt=0)


class TemplateSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    segmento: Literal["sentence", "paragraph", "none"] = "sentence"
    segmentos_sin_entidades: float = Field(default=1.0, ge=0, le=1)
    plantillas: list[Template] = Field(min_length=1)


def load_templates(path: Path) -> TemplateSet:
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RemixError(f"{path}: no such templates file (start from {_default()})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        where = getattr(exc, "problem_mark", None)
        line = f":{where.line + 1}" if where is not None else ""
        raise RemixError(f"{path}{line}: not valid UTF-8 YAML ({str(exc).splitlines()[0]})") from None
    try:
        templates = TemplateSet.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(data, e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise RemixError(f"{path}: {problems}") from None
    check(templates, path)
    return templates


def check(templates: TemplateSet, path: Path) -> None:
    seen: set[str] = set()
    for template in templates.plantillas:
        if template.id in seen:
            raise RemixError(f"{path}: template id {template.id!r} is used twice; give each its own")
        seen.add(template.id)
        try:
            fields = {
                name for _, name, _, _ in string.Formatter().parse(template.instruccion) if name is not None
            }
        except ValueError as exc:
            raise RemixError(
                f"{path}: template {template.id!r}: {exc} (write {{{{ }}}} for braces)"
            ) from None
        unknown = sorted(fields - PLACEHOLDERS[template.tarea])
        if unknown:
            allowed = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS[template.tarea]))
            raise RemixError(
                f"{path}: template {template.id!r} ({template.tarea}) uses "
                f"{', '.join('{' + u + '}' for u in unknown)}; this task fills {allowed} "
                "(write {{ and }} for literal braces)"
            )


def _where(data: object, loc: tuple) -> str:
    if len(loc) >= 2 and loc[0] == "plantillas" and isinstance(loc[1], int) and isinstance(data, dict):
        item = (data.get("plantillas") or [{}])[loc[1]] if loc[1] < len(data.get("plantillas") or []) else {}
        name = item.get("id") if isinstance(item, dict) else None
        rest = ".".join(map(str, loc[2:]))
        return f"template {name or '#' + str(loc[1] + 1)!r}" + (f" field {rest}" if rest else "")
    return ".".join(map(str, loc)) or "the file"


def _default() -> Path:
    return Path(__file__).with_name("templates.yaml")
