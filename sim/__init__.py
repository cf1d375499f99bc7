"""leadsim: simulate the marketing-to-sales lead lifecycle to measure org changes before making them."""

from sim.errors import LeadsimError, ScenarioError

__version__ = "0.1.0"

__all__ = ["LeadsimError", "ScenarioError", "__version__"]
