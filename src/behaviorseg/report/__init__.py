"""The segment health report: one self-contained HTML page a marketer and an analyst can read.

``build_report(warehouse, out_path)`` reads the marts (read-only) and writes the page; Plotly's
JavaScript is inlined once, so the page opens offline and can be attached to an e-mail.
"""

from behaviorseg.report.actions import DEFAULT_SEGMENT_ACTIONS, SegmentAction, suggested_action
from behaviorseg.report.build import build_report

__all__ = ["DEFAULT_SEGMENT_ACTIONS", "SegmentAction", "build_report", "suggested_action"]
