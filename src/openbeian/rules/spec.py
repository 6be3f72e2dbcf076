"""A small declarative description of a JSON document, from which both the checker and the JSON Schema come.

The facts document is described once (in facts.py) with these node types; `check` walks a parsed JSON value
against it and collects every problem as `path -> Text` (unknown fields, wrong types, values outside an
enumeration, with the accepted values in both languages), and `json_schema` renders the same description.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openbeian.errors import Text

Problems = dict[str, Text]


@dataclass(frozen=True)
class Node:
    description: str = ""

    def check(self, value: Any, path: str, problems: Problems) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _with_description(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.description:
            schema["description"] = self.description
        return schema


def _type_problem(path: str, problems: Problems, en: str, zh: str) -> None:
    problems[path] = Text(f"must be {en}", f"应为{zh}")


@dataclass(frozen=True)
class Str(Node):
    max_length: int = 200
    normalise: Callable[[str], str | None] | None = None
    """Maps accepted spellings to the canonical value, or None when the text is not acceptable."""
    accepted: str = ""
    """What `normalise` accepts, for the error message (English / Chinese alike)."""

    def check(self, value: Any, path: str, problems: Problems) -> Any:
        if not isinstance(value, str):
            _type_problem(path, problems, "a string", "字符串")
            return None
        if len(value) > self.max_length:
            problems[path] = Text(f"is longer than {self.max_length} characters", f"超过 {self.max_length} 个字符")
            return None
        if self.normalise is None:
            return value
        canonical = self.normalise(value)
        if canonical is None:
            problems[path] = Text(
                f"{value!r} is not accepted; use {self.accepted}", f"不接受「{value}」，可填写：{self.accepted}"
            )
        return canonical

    def schema(self) -> dict[str, Any]:
        return self._with_description({"type": "string", "maxLength": self.max_length})


@dataclass(frozen=True)
class Enum(Node):
    values: tuple[str, ...] = ()

    def check(self, value: Any, path: str, problems: Problems) -> Any:
        if isinstance(value, str) and value in self.values:
            return value
        accepted = ", ".join(self.values)
        shown = repr(value) if isinstance(value, str) else type(value).__name__
        problems[path] = Text(
            f"{shown} is not one of the accepted values: {accepted}",
            f"「{value}」不是可选值，可选值为：{accepted}",
        )
        return None

    def schema(self) -> dict[str, Any]:
        return self._with_description({"type": "string", "enum": list(self.values)})


@dataclass(frozen=True)
class Number(Node):
    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None

    def check(self, value: Any, path: str, problems: Problems) -> Any:
        ok_type = isinstance(value, int) if self.integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok_type:
            _type_problem(
                path, problems, "an integer" if self.integer else "a number", "整数" if self.integer else "数字"
            )
            return None
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            problems[path] = Text(
                f"must be between {self.minimum:g} and {self.maximum:g}",
                f"应在 {self.minimum:g} 到 {self.maximum:g} 之间",
            )
            return None
        return value

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "integer" if self.integer else "number"}
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return self._with_description(out)


@dataclass(frozen=True)
class Bool(Node):
    def check(self, value: Any, path: str, problems: Problems) -> Any:
        if not isinstance(value, bool):
            _type_problem(path, problems, "true or false", " true 或 false")
            return None
        return value

    def schema(self) -> dict[str, Any]:
        return self._with_description({"type": "boolean"})


@dataclass(frozen=True)
class Day(Node):
    def check(self, value: Any, path: str, problems: Problems) -> Any:
        if isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        problems[path] = Text("must be a date written YYYY-MM-DD", "应为 YYYY-MM-DD 格式的日期")
        return None

    def schema(self) -> dict[str, Any]:
        return self._with_description({"type": "string", "format": "date"})


@dataclass(frozen=True)
class Array(Node):
    items: Node = field(default_factory=Node)
    max_items: int = 50

    def check(self, value: Any, path: str, problems: Problems) -> Any:
        if not isinstance(value, list):
            _type_problem(path, problems, "a list", "数组（列表）")
            return None
        if len(value) > self.max_items:
            problems[path] = Text(f"has more than {self.max_items} entries", f"超过 {self.max_items} 项")
            return None
        return [self.items.check(item, f"{path}[{i}]", problems) for i, item in enumerate(value)]

    def schema(self) -> dict[str, Any]:
        return self._with_description({"type": "array", "items": self.items.schema(), "maxItems": self.max_items})


@dataclass(frozen=True)
class Obj(Node):
    fields: Mapping[str, Node] = field(default_factory=dict)
    required: tuple[str, ...] = ()

    def check(self, value: Any, path: str, problems: Problems) -> Any:
        if not isinstance(value, dict):
            _type_problem(path or "(document)", problems, "an object", "对象")
            return None
        out: dict[str, Any] = {}
        for name, item in value.items():
            where = f"{path}.{name}" if path else str(name)
            node = self.fields.get(name)
            if node is None:
                known = ", ".join(self.fields)
                problems[where] = Text(
                    f"is not a known field; known fields here: {known}", f"不是可识别的字段，此处可用字段：{known}"
                )
            elif item is not None:
                out[name] = node.check(item, where, problems)
        for name in self.required:
            if value.get(name) is None:
                problems[f"{path}.{name}" if path else name] = Text("is required", "必填")
        return out

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "object",
            "properties": {name: node.schema() for name, node in self.fields.items()},
            "additionalProperties": False,
        }
        if self.required:
            out["required"] = list(self.required)
        return self._with_description(out)


@dataclass(frozen=True)
class OneOf(Node):
    """A value that may take one of several shapes, chosen by its JSON type (a string or an object)."""

    text: Str = field(default_factory=Str)
    obj: Obj = field(default_factory=Obj)

    def check(self, value: Any, path: str, problems: Problems) -> Any:
        if isinstance(value, str):
            return self.text.check(value, path, problems)
        if isinstance(value, dict):
            return self.obj.check(value, path, problems)
        _type_problem(path, problems, "a string or an object", "字符串或对象")
        return None

    def schema(self) -> dict[str, Any]:
        return self._with_description({"oneOf": [self.text.schema(), self.obj.schema()]})
