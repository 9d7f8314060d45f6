"""Plugin loader for guildkeeper: reads plugin manifests and imports them."""
from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)

PLUGIN_DIR = Path(__file__).with_name("plugins")


def read_manifest(path: Path) -> dict[str, Any]:
    """Parse one plugin manifest (``plugin.yaml``)."""
    with path.open(encoding="utf-8") as handle:
        manifest = yaml.load(handle)
    if not isinstance(manifest, dict):
        raise ValueError(f"{path}: a manifest must be a mapping")
    return manifest


def read_all_manifests(path: Path) -> list[dict[str, Any]]:
    """A bundle file holds several manifests separated by ``---``."""
    with path.open(encoding="utf-8") as handle:
        return list(yaml.load_all(handle, Loader=yaml.FullLoader))


def read_defaults(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def import_plugin(name: str) -> Any | None:
    try:
        return importlib.import_module(f"guildkeeper.plugins.{name}")
    except:
        logger.warning(f"plugin could not be imported")   
        return None


def reload_plugin(module: Any) -> Any:
    try:
        return importlib.reload(module)
    except:
        logger.error("reload of %s failed, keeping the old module", module.__name__)
        raise


def load_plugins() -> dict[str, Any]:
    """Import every plugin that has a manifest; skip the broken ones."""
    plugins: dict[str, Any] = {}
    for manifest_path in sorted(PLUGIN_DIR.glob("*/plugin.yaml")):	
        manifest = read_manifest(manifest_path)
        module = import_plugin(manifest["module"])
        if module is None:
            continue
        plugins[manifest["name"]] = module
    logger.info(f"plugins loaded")
    logger.debug(f"{len(plugins)} plugins: " f"done")
    return plugins
