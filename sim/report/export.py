"""An executed notebook as one self-contained HTML page: code hidden, nothing fetched from the web.

The page must open on a manager's laptop without internet: charts are inline SVG, the lab
template's MathJax and require.js links are dropped, and a page that would still fetch a script,
style, font or image from the network is refused.
"""

from __future__ import annotations

import re
from typing import Any

from sim.errors import ReportError

HIDE_TAG = "remove-cell"
"""Cells with this tag (notes for notebook users) are left out of the HTML report."""


_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block data_svg scoped -%}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}" data-mime-type="image/svg+xml">
{{ output.data['image/svg+xml'] | leadsim_inline_svg }}
</div>
{%- endblock data_svg %}
"""

_UNSAFE_SVG = re.compile(
    r"<\s*(?:script|foreignObject|iframe)|\son[a-z]+\s*=|javascript:", re.IGNORECASE
)


def _inline_svg(svg: str) -> str:
    """A chart's SVG inline in the page (so it is real DOM); an image when it looks unsafe."""
    import base64

    content = re.sub(r"^\s*<\?xml[^>]*\?>", "", str(svg))
    if content.lstrip().startswith("<svg") and not _UNSAFE_SVG.search(content):
        return content
    encoded = base64.b64encode(str(svg).encode("utf-8")).decode("ascii")
    return f'<img alt="chart" src="data:image/svg+xml;base64,{encoded}">'


_URL = r"(?P<url>(?:https?:)?//[^\"'\s>)]+)"
_EXTERNAL = [
    re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*" + _URL, re.IGNORECASE),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?\s*" + _URL, re.IGNORECASE),
    re.compile(r"@import\s+(?:url\()?\s*[\"']?\s*" + _URL, re.IGNORECASE),
    re.compile(r"url\(\s*[\"']?\s*" + _URL, re.IGNORECASE),
    re.compile(r"\bimport\s*\(\s*[\"']" + _URL, re.IGNORECASE),
    re.compile(
        r"<(?:img|iframe|embed|object|source|video|audio)\b[^>]*\b(?:src|data)\s*=\s*[\"']?\s*"
        + _URL,
        re.IGNORECASE,
    ),
]


def external_references(page: str) -> list[str]:
    """Every URL of a script, style, font, image or module the HTML would fetch from the network.

    Links (``<a href>``) and XML namespaces are not fetched and not listed.
    """
    found: list[str] = []
    for pattern in _EXTERNAL:
        for match in pattern.finditer(page):
            if match.group("url") not in found:
                found.append(match.group("url"))
    return found


def notebook_to_html(notebook: Any, language: str = "en", title: str | None = None) -> str:
    """Self-contained HTML of an executed notebook: code hidden, nothing loaded from the web."""
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    if not isinstance(notebook, nbformat.NotebookNode):
        notebook = nbformat.read(str(notebook), as_version=4)
    if title:
        notebook.metadata["title"] = title
    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        extra_loaders=[jinja2.DictLoader({"leadsim_report.html.j2": _TEMPLATE})],
        template_file="leadsim_report.html.j2",
    )
    exporter.register_filter("leadsim_inline_svg", _inline_svg)
    exporter.mathjax_url = ""
    exporter.require_js_url = ""
    if hasattr(exporter, "language_code"):
        exporter.language_code = language
    remover = TagRemovePreprocessor(remove_cell_tags={HIDE_TAG}, enabled=True)
    exporter.register_preprocessor(remover, enabled=True)
    body, _ = exporter.from_notebook_node(notebook)
    external = external_references(body)
    if external:
        raise ReportError(f"the HTML would load from the internet: {external[0][:120]}")
    return body
