"""Calibration: turn a client's CRM export into a company profile the model reproduces.

A consultant's first question is whether the model describes *this* client. The client's CRM
knows when each lead came in, from which channel, when sales first called, and whether it was
won. ``export`` reads such a file (generic layout, HubSpot, Salesforce or a user mapping),
``estimate`` turns it into the numbers it shows directly (volumes, profiles, response times,
cycle lengths, deal values, win rates), ``fit`` finds by simulation the parameters the data
cannot show directly, and ``profile`` writes the calibrated scenario and the fit table.
"""

from __future__ import annotations

from sim.calibrate.export import ExportError, LeadExport, read_export

__all__ = ["ExportError", "LeadExport", "read_export"]
