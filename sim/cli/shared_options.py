"""Options several commands share, declared once and added to each command's signature.

``run`` and ``compare`` (and ``attribute`` and ``portfolio``) take the same dozen options; typer
reads options from a function's signature, so instead of repeating them in every signature a
command declares its own parameters and :func:`with_options` appends the shared ones.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

Command = TypeVar("Command", bound=Callable[..., Any])


def with_options(shared: Mapping[str, tuple[Any, Any]]) -> Callable[[Command], Command]:
    """Append ``shared`` (name → (Annotated type, default)) to a command's typer signature.

    The command receives the shared values as keyword arguments like its own.
    """

    def decorate(command: Command) -> Command:
        own = inspect.signature(command, eval_str=True)
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
            for name, (annotation, default) in shared.items()
            if name not in own.parameters
        ]
        parameters = [
            parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            if parameter.default is not inspect.Parameter.empty else parameter
            for parameter in own.parameters.values()
            if parameter.kind is not inspect.Parameter.VAR_KEYWORD
        ] + added
        positional = [p for p in parameters if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        keyword = [p for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return command(*args, **kwargs)

        signature = own.replace(parameters=positional + keyword)
        wrapper.__signature__ = signature  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
        wrapper.__annotations__["return"] = own.return_annotation
        return wrapper  # type: ignore[return-value]

    return decorate
