"""The workshop: a live what-if page (Voila) for management workshops exploring org designs.

Modules, one concern each: ``control_table`` (controls read from the lever files),
``controls`` (control values → scenario parameters), ``session`` (running and comparing
setups), ``words`` and ``page`` (figures and HTML), ``saving`` (setups as YAML), ``config``
(settings from ``leadsim workshop``), ``tray`` (options side by side), ``app`` (the ipywidgets
page), ``kernels`` and ``server`` (how the page is served).
"""

from typing import TYPE_CHECKING

from sim._lazy import lazy_exports

if TYPE_CHECKING:
    from sim.workshop.app import (
        WorkshopApp,
        launch,
    )
    from sim.workshop.config import (
        DEFAULT_START,
        ENV_PREFIX,
        WORKSHOP_FOLDER,
        WorkshopConfig,
        default_cache_dir,
        period_text,
        scenario_files,
        settings_text,
    )
    from sim.workshop.control_table import (
        Choice,
        ControlTable,
        LeverControl,
        WorkshopError,
        lever_title,
        load_control_table,
    )
    from sim.workshop.controls import (
        FROM_FILE,
        Controls,
        control_settings,
        controls_from_scenario,
        parse_reps,
    )
    from sim.workshop.page import (
        render_funnel,
        render_results,
    )
    from sim.workshop.saving import (
        SavedSetup,
        render_setup_yaml,
        save_setup,
        setup_diff,
        slugify,
        suggest_name,
    )
    from sim.workshop.session import (
        FUNNEL_STEPS,
        Comparison,
        KpiChange,
        RunSummary,
        Setup,
        StartingPoint,
        build_setup,
        clear_memory_cache,
        compare_runs,
        compare_setup,
        compare_setup_in_steps,
        describe_changes,
        error_message,
        load_start,
        result_kpis,
        run_scenario,
        run_scenario_in_steps,
    )
    from sim.workshop.settings import (
        DEFAULT_MEASUREMENT_DAYS,
        DEFAULT_REPLICATIONS,
        DEFAULT_SEED,
        DEFAULT_WORKERS,
        RunSettings,
    )
    from sim.workshop.tray import (
        Tray,
        TrayOption,
        render_tray,
    )
    from sim.workshop.words import (
        change_words,
        figure,
        signed_text,
    )

__getattr__, __all__ = lazy_exports(
    __name__,
    {
        "WorkshopApp": "app",
        "launch": "app",
        "DEFAULT_START": "config",
        "ENV_PREFIX": "config",
        "WORKSHOP_FOLDER": "config",
        "WorkshopConfig": "config",
        "default_cache_dir": "config",
        "period_text": "config",
        "scenario_files": "config",
        "settings_text": "config",
        "Choice": "control_table",
        "ControlTable": "control_table",
        "LeverControl": "control_table",
        "WorkshopError": "control_table",
        "lever_title": "control_table",
        "load_control_table": "control_table",
        "Controls": "controls",
        "FROM_FILE": "controls",
        "control_settings": "controls",
        "controls_from_scenario": "controls",
        "parse_reps": "controls",
        "Comparison": "session",
        "DEFAULT_MEASUREMENT_DAYS": "settings",
        "DEFAULT_REPLICATIONS": "settings",
        "DEFAULT_SEED": "settings",
        "DEFAULT_WORKERS": "settings",
        "FUNNEL_STEPS": "session",
        "KpiChange": "session",
        "RunSettings": "settings",
        "RunSummary": "session",
        "Setup": "session",
        "StartingPoint": "session",
        "build_setup": "session",
        "clear_memory_cache": "session",
        "compare_runs": "session",
        "compare_setup": "session",
        "compare_setup_in_steps": "session",
        "describe_changes": "session",
        "error_message": "session",
        "load_start": "session",
        "result_kpis": "session",
        "run_scenario": "session",
        "run_scenario_in_steps": "session",
        "render_funnel": "page",
        "render_results": "page",
        "SavedSetup": "saving",
        "render_setup_yaml": "saving",
        "save_setup": "saving",
        "setup_diff": "saving",
        "slugify": "saving",
        "suggest_name": "saving",
        "Tray": "tray",
        "TrayOption": "tray",
        "render_tray": "tray",
        "change_words": "words",
        "figure": "words",
        "signed_text": "words",
    },
)
