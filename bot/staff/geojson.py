"""Assets as a GeoJSON map layer for the JSNA: only assets staff verified and whose nominator
agreed to be contacted about them, each at about 1 km unless the resident agreed to show the
exact place. Written a feature at a time."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot.staff.shaping import Shape


def write_geojson(output: Path, shape: Shape, rows: Iterable[tuple[Any, ...]]) -> tuple[int, int]:
    """Write the layer; returns (assets on the map, verified ones with no shared location)."""
    at = {c: i for i, c in enumerate(shape.columns)}
    mapped = skipped = 0
    with output.open("w", encoding="utf-8") as handle:
        handle.write('{"type": "FeatureCollection", "features": [\n')
        for raw in rows:
            v = shape.row(raw)  # coordinates already rounded unless the resident agreed
            if v[at["status"]] != "verified" or not v[at["may_contact"]]:
                continue
            if v[at["latitude"]] is None or v[at["longitude"]] is None:
                skipped += 1
                continue
            feature = {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [v[at["longitude"]], v[at["latitude"]]],
                },
                "properties": {
                    "id": v[at["id"]],
                    "category": v[at["category"]],
                    "what": v[at["what"]],
                    "who_for": v[at["who_for"]],
                    "place": v[at["place"]],
                    "location": v[at["location_shown"]],
                    "nominated": v[at["created_at"]],
                    "verified": v[at["reviewed_at"]],
                },
            }
            handle.write(("" if mapped == 0 else ",\n") + json.dumps(feature, ensure_ascii=False))
            mapped += 1
        handle.write("\n]}\n")
    return mapped, skipped
