"""The report's words: every sentence, heading and note in English and German, escaped for HTML.

A board member reads headings and short notes that say how to read the next chart; the notes
are the same whichever notebook shows the chart, so they live here once, keyed by name.
"""

from __future__ import annotations

import html
from typing import Any

from sim.errors import ReportError

_T: dict[str, dict[str, str]] = {
    "en": {
        "front_page": "At a glance",
        "board_changes_levers": "{target} changes {count} things against {reference}: {levers}.",
        "board_changes_settings": "{target} differs from {reference} in the settings listed under “Assumptions that differ”.",
        "board_worth": "It is worth {net} net per year: {revenue} total revenue per year (incl. upsell) against {cost} running cost per year.",
        "board_pays": "Introducing it costs {one_off} once; it pays back in {payback}.",
        "board_pays_never": "Introducing it costs {one_off} once; it never pays back at this net benefit ({payback}).",
        "board_why_heading": "Why some figures move the other way (leads and hours per measured window)",
        "board_roi": "ROI, as used in this report: {definition}.",
        "board_uncertainty": "Ranges are 95 % intervals over {reps} paired replications: they show simulation noise only, not how wrong the assumptions could be.",
        "precision_reached": "The comparison took {reps} replications per setup (at most {cap}) to know the net benefit per year to within {reached} of its value (target ±{target}).",
        "precision_capped": "The comparison stopped at its cap of {reps} replications per setup with the net benefit per year known to within {reached} of its value (target ±{target}).",
        "precision_fixed": "{reps} replications per setup, as asked: the net benefit per year is known to within {reached} of its value.",
        "precision_nil": "The net benefit per year of {setup} lies within ±{band} of zero: no difference worth reporting, and no number of replications would give it a relative precision.",
        "lever_precision_note": "The attribution took {reps} replications per lever combination (at most {cap}): they are added only while a lever's interval crosses zero and reaches beyond ±{band} of the total difference ({width}), or the order of two neighbouring levers is open.",
        "lever_precision_open": "Left open, beyond what replications up to the cap could settle: {open}.",
        "lever_zero": "Distinguishable from zero?",
        "lever_zero_yes": "yes",
        "lever_zero_negligible": "no – within ±{width}",
        "lever_zero_no": "no",
        "board_robustness": "How the result holds when the assumptions vary: see {link}Robustness{end}.",
        "board_assumption_range": "With the assumptions varied over their plausible ranges, the net benefit per year of {setup} lies between {low} and {high} (5 %–95 % of sampled worlds).",
        "board_no_robustness": "The assumptions behind the figures are listed under “Assumptions that differ”; this report has no robustness analysis of them.",
        'why_bought_elsewhere': "{lost} more leads bought elsewhere, because {qualified} more leads reach a sales cycle, and a cycle can outlast the lead's buying window (an ignored lead never gets that far).",
        "why_bought_elsewhere_wait": "{lost} more leads bought elsewhere, because more of them wait for sales past their buying window.",
        "why_wasted_hours": "{hours} more sales hours on leads that never qualify, because sales now contacts {contacted} more leads, and the ones that do not qualify take time too.",
        "why_wasted_hours_recycled": "{hours} more sales hours on leads that never qualify, because leads come back from nurturing and are called again.",
        "why_fewer_contacted": "{contacted} fewer leads contacted, because {handed} fewer leads are handed to sales: a stricter bar or the agreed capacity keeps the rest in nurturing.",
        "why_slower_from_inquiry": "The median response from the inquiry is {hours} longer (calendar hours), because leads now stay in nurturing until they are sales-ready – {ready} longer at the median – and sales answers them from then on.",
        "why_more_lost_cold": "{cold} more leads lost because they went cold, because sales now contacts {contacted} more leads, some of them late.",
        "scenarios": "Scenarios compared",
        "summary": "Executive summary",
        "funnel": "Funnel: from lead to deal",
        "losses": "Where leads are lost",
        "response": "How fast sales answers",
        "decay": "Qualification rate by response time",
        "kpis": "Key figures with confidence intervals",
        "waterfall": "What each lever contributes",
        "capacity": "Capacity: rep utilisation and queue",
        "assumptions": "Assumptions that differ between the scenarios",
        "method": "Method (STRESS-DES checklist)",
        "reference": "reference",
        "files": "files",
        "no_description": "(no description)",
        "funnel_note": "Mean number of leads of the measured cohort (per replication) reaching "
        "each step, per scenario; in brackets the share of all leads. The steps nest: handed to "
        "sales, contacted, reached (a conversation), qualified (in the first contact series or "
        "later), won – each a part of the step before. MQL and SQL are stages, not steps (leads "
        "created as SQL skip MQL, some are handed over below SQL): see the KPI table.",
        "losses_note": "Final outcome of the leads that were not won, as a share of all leads.",
        "response_note": "Share of the leads handed to sales whose first contact attempt came "
        "within the given business hours (log-like scale), the clock of the median first response "
        "in the summary and the KPI table; the triangles mark each setup's median. A dashed line "
        "marks the first-response target of a setup with an agreed SLA (none without one). "
        "Leads never contacted keep the curve below 100 %.",
        "decay_note": "Share of contacted leads that sales qualified, by the calendar hours "
        "between sales-ready and the first contact attempt, over all replications: the decay "
        "of interest as the simulation measures it. Buckets with fewer than 5 leads are left out.",
        "kpis_note": "Mean over replications with its 95 % confidence interval; Δ is the paired "
        "difference to the reference (same leads in both scenarios), with its 95 % interval. "
        "Green: clearly better, red: clearly worse, grey: the interval includes zero.",
        "shapley_note": "{target}: each bar is one lever's share of the change in {kpi} – its "
        "Shapley value, the mean of what it adds over all orders of adding the levers, all "
        "simulated with the same leads; the black line is its 95 % confidence interval. The "
        "table also gives each lever's effect alone and when added last.",
        "lever_replications_note": "The levers are attributed over the comparison's first {reps} "
        "of {of} replications (an attribution simulates every combination of the levers): they "
        "add up to {total} in {kpi}, the difference over those {reps} replications; the summary "
        "quotes the difference over all {of}, which differs from it by chance alone.",
        "robustness": "How robust is this conclusion?",
        "robustness_note": "The intervals above are simulation noise only. Here every assumption "
        "is drawn from its plausible range (the range files next to the scenario files) in "
        "{samples} sampled worlds, each setup simulated in each world with the same leads "
        "({replications} replications per world). The tornado shows how the difference moves "
        "across each of the most influential assumptions (bars: its low and high end, black: 95 % "
        "interval of the fit, dashed red: no difference).",
        "no_robustness": "Not computed: the robustness analysis is off by default because it "
        "runs every setup in every sampled world (robustness_samples = 16 to 64 takes about 5 to "
        "30 minutes on two cores); turn it on with -p robustness_samples=32, or run leadsim "
        "robustness.",
        "portfolio_note": "{target}: each point is one of the {combinations} combinations of its "
        "{levers} levers – its running cost per year (right) against its net benefit per year over the "
        "reference (up), with the 95 % interval as a vertical line, from the same runs as the "
        "lever chart above. The green line joins the {front} combinations no other one beats on "
        "both cost and benefit (the Pareto front); a grey point is beaten by one on the line.",
        "portfolio_note_sampled": "{target}: each point is one of the {combinations} combinations "
        "of its {levers} levers that the attribution above ran (too many levers to run every "
        "combination, so only those on sampled orders) – its running cost per year (right) against its "
        "net benefit per year over the reference (up), with the 95 % interval as a vertical line. "
        "The green line joins the {front} of them no other one shown beats on both cost and benefit.",
        "portfolio_none": "No combination reaches the target of {goal} net benefit per year.",
        "portfolio_cheapest_sure": "Circled: {levers}, the cheapest combination reaching the "
        "target of {goal} ({cost} a year, {benefit}); it meets it with 95 % confidence.",
        "portfolio_cheapest_mean": "Circled: {levers}, the cheapest combination reaching the "
        "target of {goal} on average ({cost} a year, {benefit}); its interval reaches below the "
        "target, so it may miss it.",
        "no_waterfall": "No lever-by-lever attribution: it was switched off (attribute_levers), "
        "the report has a single replication (intervals need two), or no scenario is built from "
        "the reference plus lever overlays.",
        "capacity_note": "Per week, mean over replications: share of the reps' business hours "
        "spent on leads and own prospects, and the number of leads waiting for a rep. The "
        "shaded weeks are the measurement window; before it the model warms up.",
        "assumptions_note": "Only parameters whose effective value differs; source is the file "
        "and line that set the value, with its comment.",
        "no_differences": "The scenarios use the same parameter values.",
        "method_note": "Items of the STRESS-DES reporting guideline for discrete-event "
        "simulation studies (Monks et al. 2019).",
        "parameter": "Parameter",
        "source": "source",
        "item": "Item",
        "content": "This report",
        "kpi": "Key figure",
        "mean_ci": "mean [95 % CI]",
        "diff_ci": "Δ vs. reference [95 % CI]",
        "clearly_better": "clearly better",
        "clearly_worse": "clearly worse",
        "unclear": "no clear difference",
        "intro": "{target} compared with {reference} ({reps} replications of {days} days of "
        "new leads each, both scenarios seeing the same leads; ranges are 95 % confidence "
        "intervals of the difference):",
        "headline": "{kpi} {per}: {diff} with {target} compared with {reference} "
        "(95 % CI {low} to {high}).",
        "per_year": "per year",
        "per_window": "over the {days}-day window",
        "item_line": "{kpi}: {ref_value} → {value}, {diff} (95 % CI {low} to {high})",
        "few_reps": "With {reps} replications the intervals are wide: a difference marked "
        "'no clear difference' may still be real. Run more replications to narrow them.",
        "key_figures": "Key figures",
        "key_figures_note": "Mean over replications with its 95 % confidence interval.",
        "weekly": "Week by week",
        "weekly_note": "New leads and hand-overs per week, then rep utilisation and waiting "
        "leads (means over replications); shaded: the measurement window.",
        "channels": "Channels",
        "channels_note": "Per channel, mean per replication: the funnel, where leads are lost "
        "and what a deal costs.",
        "journeys": "A few lead journeys",
        "journeys_note": "Single leads of replication {replication}, one per outcome where there "
        "is one: when each step happened, in days after the lead was created.",
        "tornado": "One parameter at a time",
        "tornado_note": "{kpi} (mean over replications) when one parameter is set to its low "
        "or high value and everything else stays as in the scenario; the vertical line is "
        "the unchanged scenario. The widest bars matter most; the black lines are 95 % "
        "confidence intervals over the replications.",
        "sensitivity_run": "Run length: {warmup_days} days warm-up, then the leads of {measurement_days} "
        "measured days followed until they finish (at most {drain_cap_days} days more); {replications} "
        "replications per variant, the same leads in every variant (common random numbers).",
        "sweep": "Two parameters together",
        "sweep_note": "{kpi} (mean over replications, ± the half-width of its 95 % confidence "
        "interval) for each combination of the two parameters.",
        "unfinished": "In {count} of {total} runs some leads of the measured cohort were still "
        "open when the simulation stopped; they count as not won.",
    },
    "de": {
        "front_page": "Auf einen Blick",
        "board_changes_levers": "{target} ändert {count} Dinge gegenüber {reference}: {levers}.",
        "board_changes_settings": "{target} unterscheidet sich von {reference} in den Einstellungen unter „Abweichende Annahmen“.",
        "board_worth": "Der Nettonutzen beträgt {net} pro Jahr: {revenue} Gesamtumsatz pro Jahr (inkl. Upselling) gegenüber {cost} laufenden Kosten pro Jahr.",
        "board_pays": "Die Einführung kostet einmalig {one_off}; sie amortisiert sich in {payback}.",
        "board_pays_never": "Die Einführung kostet einmalig {one_off}; bei diesem Nettonutzen amortisiert sie sich nie ({payback}).",
        "board_why_heading": "Warum sich manche Zahlen in die andere Richtung bewegen (Leads und Stunden pro Messzeitraum)",
        "board_roi": "ROI in diesem Bericht: {definition}.",
        "board_uncertainty": "Spannen sind 95-%-Intervalle über {reps} gepaarte Replikationen: sie zeigen nur das Simulationsrauschen, nicht wie falsch die Annahmen sein könnten.",
        "precision_reached": "Der Vergleich brauchte {reps} Replikationen je Setup (höchstens {cap}), um den Nettonutzen pro Jahr auf {reached} seines Werts genau zu kennen (Ziel ±{target}).",
        "precision_capped": "Der Vergleich endete an seiner Obergrenze von {reps} Replikationen je Setup; der Nettonutzen pro Jahr ist auf {reached} seines Werts genau (Ziel ±{target}).",
        "precision_fixed": "{reps} Replikationen je Setup, wie vorgegeben: Der Nettonutzen pro Jahr ist auf {reached} seines Werts genau.",
        "precision_nil": "Der Nettonutzen pro Jahr von {setup} liegt innerhalb von ±{band} um null: kein berichtenswerter Unterschied, und keine Zahl von Replikationen gäbe ihm eine relative Genauigkeit.",
        "lever_precision_note": "Die Zuordnung brauchte {reps} Replikationen je Hebelkombination (höchstens {cap}): Weitere kommen nur hinzu, solange das Intervall eines Hebels null einschließt und über ±{band} der Gesamtdifferenz ({width}) hinausreicht oder die Reihenfolge zweier benachbarter Hebel offen ist.",
        "lever_precision_open": "Offen geblieben, auch mit Replikationen bis zur Obergrenze nicht zu klären: {open}.",
        "lever_zero": "Von null unterscheidbar?",
        "lever_zero_yes": "ja",
        "lever_zero_negligible": "nein – innerhalb ±{width}",
        "lever_zero_no": "nein",
        "board_robustness": "Wie das Ergebnis hält, wenn die Annahmen variieren: siehe {link}Robustheit{end}.",
        "board_assumption_range": "Variieren die Annahmen über ihre plausiblen Spannen, liegt der Nettonutzen pro Jahr von {setup} zwischen {low} und {high} (5 %–95 % der Stichprobenwelten).",
        "board_no_robustness": "Die Annahmen hinter den Zahlen stehen unter „Abweichende Annahmen“; dieser Bericht enthält keine Robustheitsanalyse.",
        "why_bought_elsewhere": "{lost} Leads mehr kaufen woanders, weil {qualified} Leads mehr einen Verkaufszyklus erreichen, und ein Zyklus kann länger dauern als das Kauffenster des Leads (ein ignorierter Lead kommt nie so weit).",
        "why_bought_elsewhere_wait": "{lost} Leads mehr kaufen woanders, weil mehr von ihnen über ihr Kauffenster hinaus auf den Vertrieb warten.",
        "why_wasted_hours": "{hours} mehr Vertriebsstunden für Leads, die nie qualifiziert werden, weil der Vertrieb {contacted} Leads mehr kontaktiert – auch die Unqualifizierten kosten Zeit.",
        "why_wasted_hours_recycled": "{hours} mehr Vertriebsstunden für Leads, die nie qualifiziert werden, weil Leads aus dem Nurturing zurückkommen und erneut angerufen werden.",
        "why_fewer_contacted": "{contacted} Leads weniger kontaktiert, weil {handed} Leads weniger an den Vertrieb gehen: eine strengere Schwelle oder die vereinbarte Kapazität hält den Rest im Nurturing.",
        "why_slower_from_inquiry": "Die mittlere Reaktion ab Anfrage ist {hours} länger (Kalenderstunden), weil Leads jetzt im Nurturing bleiben, bis sie vertriebsreif sind – im Median {ready} länger – und der Vertrieb sie erst dann beantwortet.",
        "why_more_lost_cold": "{cold} Leads mehr erkaltet verloren, weil der Vertrieb {contacted} Leads mehr kontaktiert, manche davon spät.",
        "scenarios": "Verglichene Szenarien",
        "summary": "Zusammenfassung für das Management",
        "funnel": "Trichter: vom Lead zum Abschluss",
        "losses": "Wo Leads verloren gehen",
        "response": "Wie schnell der Vertrieb reagiert",
        "decay": "Qualifizierungsquote nach Reaktionszeit",
        "kpis": "Kennzahlen mit Konfidenzintervallen",
        "waterfall": "Was jeder Hebel beiträgt",
        "capacity": "Kapazität: Auslastung und Warteschlange",
        "assumptions": "Annahmen, die sich zwischen den Szenarien unterscheiden",
        "method": "Methode (STRESS-DES-Checkliste)",
        "reference": "Referenz",
        "files": "Dateien",
        "no_description": "(keine Beschreibung)",
        "funnel_note": "Mittlere Zahl der Leads der gemessenen Kohorte (je Replikation), die "
        "jede Stufe erreichen, je Szenario; in Klammern der Anteil an allen Leads. Die Stufen sind "
        "verschachtelt: übergeben, kontaktiert, erreicht (ein Gespräch), qualifiziert (in der "
        "ersten Kontaktserie oder später), gewonnen – jede ein Teil der vorigen. MQL und SQL sind "
        "Phasen, keine Stufen (als SQL angelegte Leads überspringen MQL, manche werden unter SQL "
        "übergeben): siehe KPI-Tabelle.",
        "losses_note": "Endergebnis der nicht gewonnenen Leads, als Anteil an allen Leads.",
        "response_note": "Anteil der an den Vertrieb übergebenen Leads, deren erster "
        "Kontaktversuch innerhalb der angegebenen Geschäftsstunden erfolgte – dieselbe Uhr wie die "
        "mittlere Erstreaktion in Zusammenfassung und KPI-Tabelle; die Dreiecke markieren den "
        "Median jedes Setups. Eine gestrichelte Linie zeigt das Reaktionsziel eines Setups mit "
        "vereinbartem SLA (ohne SLA keine). Nie kontaktierte Leads halten die Kurve unter 100 %.",
        "decay_note": "Anteil der kontaktierten Leads, die der Vertrieb qualifiziert hat, nach "
        "Stunden zwischen Vertriebsreife und erstem Kontaktversuch, über alle Replikationen: "
        "der Interessenverfall, wie die Simulation ihn misst. Klassen mit weniger als 5 Leads "
        "fehlen.",
        "kpis_note": "Mittelwert über die Replikationen mit 95-%-Konfidenzintervall; Δ ist die "
        "gepaarte Differenz zur Referenz (dieselben Leads in beiden Szenarien) mit ihrem "
        "95-%-Intervall. Grün: klar besser, rot: klar schlechter, grau: das Intervall "
        "enthält null.",
        "shapley_note": "{target}: jeder Balken ist der Anteil eines Hebels an der Änderung von "
        "{kpi} – sein Shapley-Wert, das Mittel seines Beitrags über alle Reihenfolgen, in denen "
        "die Hebel hinzukommen, alle mit denselben Leads simuliert; die schwarze Linie ist das "
        "95-%-Konfidenzintervall. Die Tabelle nennt auch die Wirkung allein und als letzter Hebel.",
        "lever_replications_note": "Die Hebel werden über die ersten {reps} der {of} Replikationen "
        "des Vergleichs zugeordnet (eine Zuordnung simuliert jede Kombination der Hebel): Sie "
        "ergeben zusammen {total} bei {kpi}, die Differenz über diese {reps} Replikationen; die "
        "Zusammenfassung nennt die Differenz über alle {of}, die davon nur zufällig abweicht.",
        "robustness": "Wie belastbar ist diese Schlussfolgerung?",
        "robustness_note": "Die Intervalle oben erfassen nur das Simulationsrauschen. Hier wird "
        "jede Annahme aus ihrer plausiblen Spanne gezogen (Spannen-Dateien neben den "
        "Szenariodateien), in {samples} Stichproben-Welten, jedes Setup in jeder Welt mit denselben "
        "Leads ({replications} Replikationen je Welt). Das Tornado-Diagramm zeigt, wie sich der "
        "Unterschied über die einflussreichsten Annahmen bewegt (Balken: unteres und oberes Ende, "
        "schwarz: 95-%-Intervall, rot gestrichelt: kein Unterschied).",
        "no_robustness": "Nicht berechnet: Die Robustheitsanalyse ist standardmäßig aus, weil sie "
        "jedes Setup in jeder Welt simuliert (robustness_samples = 16 bis 64 dauert auf zwei Kernen "
        "etwa 5 bis 30 Minuten); einschalten mit -p robustness_samples=32 oder leadsim robustness.",
        "portfolio_note": "{target}: jeder Punkt ist eine der {combinations} Kombinationen seiner "
        "{levers} Hebel – ihre laufenden Kosten pro Jahr (nach rechts) gegen ihren Nettonutzen pro "
        "Jahr gegenüber der Referenz (nach oben), mit dem 95-%-Intervall als senkrechter Linie, "
        "aus denselben Läufen wie das Hebel-Diagramm oben. Die grüne Linie verbindet die {front} "
        "Kombinationen, die keine andere bei Kosten und Nutzen zugleich schlägt (Pareto-Front); "
        "ein grauer Punkt wird von einer auf der Linie geschlagen.",
        "portfolio_note_sampled": "{target}: jeder Punkt ist eine der {combinations} Kombinationen "
        "seiner {levers} Hebel, die die Zuordnung oben gerechnet hat (zu viele Hebel für alle "
        "Kombinationen, daher nur die auf gezogenen Reihenfolgen) – laufende Kosten pro Jahr (nach "
        "rechts) gegen Nettonutzen pro Jahr gegenüber der Referenz (nach oben), mit 95-%-Intervall. "
        "Die grüne Linie verbindet die {front}, die keine andere gezeigte bei Kosten und Nutzen schlägt.",
        "portfolio_none": "Keine Kombination erreicht das Ziel von {goal} Nettonutzen pro Jahr.",
        "portfolio_cheapest_sure": "Eingekreist: {levers}, die günstigste Kombination, die das "
        "Ziel von {goal} erreicht ({cost} pro Jahr, {benefit}); mit 95 % Sicherheit.",
        "portfolio_cheapest_mean": "Eingekreist: {levers}, die günstigste Kombination, die das "
        "Ziel von {goal} im Mittel erreicht ({cost} pro Jahr, {benefit}); ihr Intervall reicht "
        "unter das Ziel, sie kann es also verfehlen.",
        "no_waterfall": "Keine Zuordnung Hebel für Hebel: sie ist abgeschaltet "
        "(attribute_levers), der Bericht hat nur eine Replikation (Intervalle brauchen zwei), "
        "oder kein Szenario besteht aus der Referenz plus Hebel-Overlays.",
        "capacity_note": "Je Woche, Mittel über die Replikationen: Anteil der Arbeitszeit der "
        "Vertriebsmitarbeiter für Leads und eigene Interessenten, und die Zahl der Leads, die "
        "auf einen Mitarbeiter warten. Schattiert: das Messfenster; davor läuft das Modell ein.",
        "assumptions_note": "Nur Parameter, deren wirksamer Wert sich unterscheidet; Quelle ist "
        "Datei und Zeile, die den Wert setzen, mit ihrem Kommentar.",
        "no_differences": "Die Szenarien verwenden dieselben Parameterwerte.",
        "method_note": "Punkte der STRESS-DES-Richtlinie für Berichte über ereignisdiskrete "
        "Simulationsstudien (Monks et al. 2019).",
        "parameter": "Parameter",
        "source": "Quelle",
        "item": "Punkt",
        "content": "Dieser Bericht",
        "kpi": "Kennzahl",
        "mean_ci": "Mittel [95-%-KI]",
        "diff_ci": "Δ zur Referenz [95-%-KI]",
        "clearly_better": "klar besser",
        "clearly_worse": "klar schlechter",
        "unclear": "kein klarer Unterschied",
        "intro": "{target} im Vergleich zu {reference} ({reps} Replikationen mit je {days} "
        "Tagen neuer Leads, beide Szenarien mit denselben Leads; Spannen sind "
        "95-%-Konfidenzintervalle der Differenz):",
        "headline": "{kpi} {per}: {diff} mit {target} gegenüber {reference} "
        "(95-%-KI {low} bis {high}).",
        "per_year": "pro Jahr",
        "per_window": "im Fenster von {days} Tagen",
        "item_line": "{kpi}: {ref_value} → {value}, {diff} (95-%-KI {low} bis {high})",
        "few_reps": "Mit {reps} Replikationen sind die Intervalle breit: ein Unterschied ohne "
        "klares Ergebnis kann trotzdem bestehen. Mehr Replikationen machen sie enger.",
        "key_figures": "Kennzahlen",
        "key_figures_note": "Mittel über die Replikationen mit 95-%-Konfidenzintervall.",
        "weekly": "Woche für Woche",
        "weekly_note": "Neue Leads und Übergaben je Woche, dann Auslastung und wartende Leads "
        "(Mittel über die Replikationen); schattiert: das Messfenster.",
        "channels": "Kanäle",
        "channels_note": "Je Kanal, Mittel je Replikation: Trichter, Verluste und Kosten je "
        "Abschluss.",
        "journeys": "Einige Lead-Verläufe",
        "journeys_note": "Einzelne Leads aus Replikation {replication}, je Ergebnis einer, "
        "sofern vorhanden: wann welcher Schritt geschah, in Tagen nach Entstehung des Leads.",
        "tornado": "Ein Parameter nach dem anderen",
        "tornado_note": "{kpi} (Mittel über die Replikationen), wenn ein Parameter auf seinen "
        "niedrigen oder hohen Wert gesetzt wird und alles andere wie im Szenario bleibt; die "
        "senkrechte Linie ist das unveränderte Szenario. Die breitesten Balken zählen am meisten; "
        "die schwarzen Linien sind 95-%-Konfidenzintervalle über die Replikationen.",
        "sensitivity_run": "Laufzeit: {warmup_days} Tage Einschwingen, dann die Leads von "
        "{measurement_days} gemessenen Tagen bis zu ihrem Abschluss verfolgt (höchstens "
        "{drain_cap_days} Tage länger); {replications} Replikationen je Variante, dieselben Leads in "
        "jeder Variante (gemeinsame Zufallszahlen).",
        "sweep": "Zwei Parameter zusammen",
        "sweep_note": "{kpi} (Mittel über die Replikationen, ± halbe Breite des "
        "95-%-Konfidenzintervalls) für jede Kombination der beiden Parameter.",
        "unfinished": "In {count} von {total} Läufen waren Leads der gemessenen Kohorte beim "
        "Ende der Simulation noch offen; sie zählen als nicht gewonnen.",
    },
}


def text(key: str, language: str = "en", **values: Any) -> str:
    """A report sentence in ``language`` with ``values`` filled in (values are not escaped)."""
    if language not in _T:
        raise ReportError(f"language must be one of {', '.join(_T)}, got {language!r}")
    template = _T[language].get(key, _T["en"].get(key, key))
    return template.format(**values) if values else template


def escape(value: Any) -> str:
    """HTML-escaped text of ``value`` (quotes too)."""
    return html.escape(str(value), quote=True)


def heading(key: str, language: str = "en", number: int | None = None) -> str:
    """A section heading (``<h2>``) in ``language``, optionally numbered."""
    prefix = f"{number}. " if number is not None else ""
    return f"<h2>{escape(prefix + text(key, language))}</h2>"


def note(key: str, language: str = "en", **values: Any) -> str:
    """A short paragraph telling a non-analyst how to read the next chart or table."""
    return f'<p class="leadsim-note">{escape(text(key, language, **values))}</p>'


