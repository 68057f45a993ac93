"""The report as a picture for a phone: units (rows) × the task's recent cycles
(columns), each cell coloured on time / late / missing, grey where the unit owed
nothing (yet). A tall, narrow PNG about 800 px wide.

matplotlib is imported inside the function: it is slow to import, and only an admin
asking for a report needs it. The figure is drawn on an explicit Agg canvas, never
through pyplot, whose global state is not safe in the worker threads charts are
rendered in.
"""

from __future__ import annotations

from bot.exports.labels import cell_label
from bot.i18n import Translator
from bot.report import Cell, Grid

WIDTH_INCHES = 800 / 150
DPI = 150
ROW_INCHES = 0.24
TOP_INCHES = 0.5  # the title, then the cycles' dates
BOTTOM_INCHES = 0.45  # the legend
MAX_NAME = 38  # characters of a unit name shown beside its row
COLOURS = {  # colour-blind-safe enough: green, amber, red differ in lightness too
    Cell.ON_TIME: "#2e7d32",
    Cell.LATE: "#f9a825",
    Cell.MISSING: "#c62828",
    Cell.NOT_DUE: "#d0d0d0",
}
FONT = "DejaVu Sans"  # bundled with matplotlib, and it has every Vietnamese letter
MAX_ROWS = 60  # units drawn: a few phone screens (and ~1 s to draw on one core)
NOTE_INCHES = 0.18  # the line saying which units a capped chart shows


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


def shown_rows(grid: Grid, limit: int = MAX_ROWS) -> Grid:
    """The grid as the chart draws it: every row up to ``limit``; beyond, the
    ``limit`` units that most need chasing (most cycles missing, then late), still
    in name order. A province of 5,000 units would otherwise need a picture
    180,000 px tall, past what the renderer can draw (2^16 px) and any phone can
    show; the files keep every unit."""
    if len(grid.units) <= limit:
        return grid

    def need(row: int) -> tuple[int, int, int]:
        cells = grid.cells[row]
        return (-cells.count(Cell.MISSING), -cells.count(Cell.LATE), row)

    keep = sorted(sorted(range(len(grid.units)), key=need)[:limit])
    return Grid(grid.task, grid.cycles, tuple(grid.units[r] for r in keep),
                tuple(grid.cells[r] for r in keep))


def report_chart(grid: Grid, t: Translator) -> bytes:
    from io import BytesIO

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    total = len(grid.units)
    grid = shown_rows(grid)
    capped = len(grid.units) < total
    order = list(COLOURS)
    rows = max(1, len(grid.units))
    height = TOP_INCHES + BOTTOM_INCHES + ROW_INCHES * rows + (NOTE_INCHES if capped else 0)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.52, BOTTOM_INCHES / height, 0.45,
                            ROW_INCHES * rows / height))
    values = [[order.index(c) for c in row] for row in grid.cells] or [[order.index(
        Cell.NOT_DUE)] * max(1, len(grid.cycles))]
    axes.imshow(values, cmap=ListedColormap([COLOURS[c] for c in order]), vmin=0,
                vmax=len(order) - 1, aspect="auto", interpolation="nearest")
    axes.set_xticks(range(len(grid.cycles)),
                    [f"{d:%d/%m}" for d in grid.cycles], fontsize=7, family=FONT)
    axes.xaxis.tick_top()
    axes.set_yticks(range(len(grid.units)), [_short(n) for n in grid.units], fontsize=6.5,
                    family=FONT)
    # White lines between the cells, as two line collections: minor ticks and a grid
    # made a Tick object (two lines and a label) per row, a third of the drawing time.
    limits = axes.get_xlim(), axes.get_ylim()
    axes.vlines([x - 0.5 for x in range(1, len(grid.cycles))], -0.5, rows - 0.5,
                colors="white", linewidth=1.5)
    axes.hlines([y - 0.5 for y in range(1, len(grid.units))], -0.5,
                max(1, len(grid.cycles)) - 0.5, colors="white", linewidth=1.5)
    axes.set_xlim(*limits[0])
    axes.set_ylim(*limits[1])
    axes.tick_params(which="both", length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    title = f"{grid.task.code} — {grid.task.title}"
    figure.suptitle(title if len(title) <= 60 else title[:59] + "…", fontsize=8,
                    family=FONT, y=1 - 0.08 / height, va="top")
    if capped:
        note = t.gettext("{shown} of {total} units: those missing most often").format(
            shown=len(grid.units), total=total)
        figure.text(0.5, 1 - 0.3 / height, note, fontsize=6.5, family=FONT, ha="center",
                    va="top")
    figure.legend(handles=[Patch(color=COLOURS[c], label=cell_label(t, c)) for c in order],
                  loc="lower center", ncol=2, frameon=False, borderaxespad=0.2,
                  prop={"family": FONT, "size": 6.5})
    out = BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
