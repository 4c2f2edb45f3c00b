"""A QGIS layer style stored in plan.gpkg, so the plan opens coloured by option.

QGIS reads a GeoPackage's ``layer_styles`` table (the table QGIS itself writes with "Save style
... in database"): a row naming the layer, its geometry column and a QML document, with
``useAsDefault`` set, is applied when the layer is added. The QML here is a categorized fill
renderer on ``option_id`` (one colour per chosen option, the report's palette) with the
parcel id as label. The table is registered in ``gpkg_contents`` as an attributes table.
"""

from __future__ import annotations

import sqlite3
from html import escape
from pathlib import Path

import pandas as pd

from optimizer.outputs.svgplot import palette

__all__ = ["plan_qml", "write_layer_style"]

_DDL = ("CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), "
        "f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), "
        "styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
        "update_time DATETIME DEFAULT CURRENT_TIMESTAMP)")


def _rgba(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return ",".join(str(int(h[i:i + 2], 16)) for i in (0, 2, 4)) + ",255"


def _symbol(name: str, colour: str) -> str:
    props = {"color": _rgba(colour), "outline_color": "255,255,255,255", "outline_width": "0.26",
             "outline_width_unit": "MM", "style": "solid", "outline_style": "solid", "joinstyle": "bevel"}
    options = "".join(f'<Option type="QString" name="{k}" value="{v}"/>' for k, v in props.items())
    legacy = "".join(f'<prop k="{k}" v="{v}"/>' for k, v in props.items())
    return (f'<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="SimpleFill" pass="0" enabled="1" locked="0"><Option type="Map">{options}</Option>'
            f'{legacy}</layer></symbol>')


def plan_qml(plan: pd.DataFrame, field: str = "option_id") -> str:
    """QML of a categorized renderer: one fill colour per value of ``field`` (largest area first)."""
    order = plan.groupby(field)["area_ha"].sum().sort_values(ascending=False, kind="stable").index.astype(str)
    colours = palette(list(order))
    cats = "".join(f'<category value="{escape(v)}" symbol="{i}" label="{escape(v)}" render="true"/>'
                   for i, v in enumerate(order))
    symbols = "".join(_symbol(str(i), colours[v]) for i, v in enumerate(order))
    labels = ('<labeling type="simple"><settings calloutType="simple"><text-style fieldName="parcel_id" '
              'fontSize="8" textColor="20,20,20,255" isExpression="0"><text-buffer bufferDraw="1" bufferSize="0.8" '
              'bufferColor="255,255,255,255"/></text-style><placement placement="1"/></settings></labeling>')
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            '<qgis version="3.28.0" styleCategories="Symbology|Labeling" labelsEnabled="1">'
            f'<renderer-v2 type="categorizedSymbol" attr="{field}" symbollevels="0" enableorderby="0" '
            f'forceraster="0"><categories>{cats}</categories><symbols>{symbols}</symbols></renderer-v2>'
            f"{labels}</qgis>\n")


FIXED_DATE = "2000-01-01T00:00:00Z"  # last_change of the layer_styles entry, as optimizer.outputs.gis.FIXED_DATE


def write_layer_style(gpkg: Path, layer: str, plan: pd.DataFrame) -> None:
    """Store the plan's QML as the default style of ``layer`` in the GeoPackage ``gpkg``."""
    con = sqlite3.connect(gpkg)
    try:
        geom = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)).fetchone()
        con.execute(_DDL)
        con.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))
        con.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                    "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
                    "VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', NULL)",
                    (layer, geom[0] if geom else "geom", f"{layer} by option", plan_qml(plan),
                     "minesink: parcels coloured by the chosen option"))
        con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, "
                    "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles', ?)",
                    (FIXED_DATE,))  # a fixed date: the same plan gives a byte-identical plan.gpkg
        con.commit()
    finally:
        con.close()
