"""Expert risk indicators: named rules in YAML, parsed into a safe expression tree and evaluated on features.

Expressions may use feature names, numbers, quoted strings, comparisons, ``in (…)`` and ``and``/``or``/
``not``; anything else (calls, attributes, subscripts) is refused when the file is loaded.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, Field

from imaging.thresholds import SUSPECT_ABOVE
from tianji.core.resources import package_path

INDICATORS = package_path("scoring", "indicators.yaml")
_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.Compare,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Tuple,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.Eq,
    ast.NotEq,
    ast.In,
    ast.NotIn,
)


class IndicatorError(ValueError):
    pass


class Indicator(BaseModel):
    code: str
    name_zh: str
    name_en: str
    expression: str
    #: an expert's rule no model learns from a few cases (a controlled-goods silhouette on a scan): when it
    #: fires, the score is lifted to where this risk level starts (``scoring.rules``)
    at_least_level: int | None = Field(default=None, ge=2, le=5)

    def features(self) -> list[str]:
        """The names the expression reads, in order of appearance."""
        names = [n.id for n in ast.walk(ast.parse(self.expression, mode="eval")) if isinstance(n, ast.Name)]
        return list(dict.fromkeys(names))

    def tree(self, known: set[str]) -> ast.Expression:
        try:
            tree = ast.parse(self.expression, mode="eval")
        except SyntaxError as exc:
            raise IndicatorError(f"{self.code}: expression does not parse: {exc.msg}") from None
        for node in ast.walk(tree):
            if not isinstance(node, _ALLOWED):
                raise IndicatorError(f"{self.code}: {type(node).__name__} is not allowed in an indicator")
            if isinstance(node, ast.Name) and node.id not in known:
                raise IndicatorError(f"{self.code}: unknown feature {node.id!r}")
        return tree


def _read_lists(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise IndicatorError(f"code lists {path}: cannot read: {exc}") from None
    lists = doc.get("lists", doc) if isinstance(doc, dict) else None
    if not isinstance(lists, dict):
        raise IndicatorError(f"code lists {path}: expected a mapping of list names to codes")
    for name, value in lists.items():
        scalar = isinstance(value, str | int | float) and not isinstance(value, bool)
        if not scalar and not (
            isinstance(value, list) and all(isinstance(v, str | int | float) for v in value)
        ):
            raise IndicatorError(f"code lists {path}: {name} must be a list of codes or one value")
    return lists


def expand(expression: str, lists: dict[str, Any]) -> str:
    """``expression`` with every code-list name replaced by its codes (or its one value), so that the stored
    indicator is self-contained."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return expression  # reported, with the indicator's code, when the tree is checked

    class Lists(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            if node.id not in lists:
                return node
            value = lists[node.id]
            if isinstance(value, list):
                return ast.Tuple(elts=[ast.Constant(v) for v in value], ctx=ast.Load())
            return ast.Constant(value)

    return ast.unparse(Lists().visit(tree))


def load(path: Path = INDICATORS, code_lists: Path | None = None) -> list[Indicator]:
    """The indicators, their code lists (``lists:`` in the file) overridden by an administration's own
    (``code_lists``: a YAML file of list name → codes), expanded into the expressions. ``scan_suspect_above``
    is the scan verdicts' own threshold (``imaging.thresholds``) unless a file names another."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    lists = {"scan_suspect_above": SUSPECT_ABOVE, **(doc.get("lists") or {})}
    if code_lists is not None:
        lists.update(_read_lists(code_lists))
    return [
        Indicator.model_validate({**item, "expression": expand(item["expression"], lists)})
        for item in doc["indicators"]
    ]


def _eval(node: ast.AST, frame: pd.DataFrame) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, frame)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return frame[node.id]
    if isinstance(node, ast.Tuple):
        return [_eval(e, frame) for e in node.elts]
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, frame)
        return ~value.astype(bool) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.BoolOp):
        values = [np.asarray(_eval(v, frame), dtype=bool) for v in node.values]
        result = values[0]
        for value in values[1:]:
            result = (result & value) if isinstance(node.op, ast.And) else (result | value)
        return result
    if isinstance(node, ast.Compare):
        left = _eval(node.left, frame)
        result = np.ones(len(frame), dtype=bool)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, frame)
            if isinstance(op, ast.In | ast.NotIn):
                hit = pd.Series(left).isin(right).to_numpy()
                part = hit if isinstance(op, ast.In) else ~hit
            else:
                part = {
                    ast.Lt: lambda a, b: a < b,
                    ast.LtE: lambda a, b: a <= b,
                    ast.Gt: lambda a, b: a > b,
                    ast.GtE: lambda a, b: a >= b,
                    ast.Eq: lambda a, b: a == b,
                    ast.NotEq: lambda a, b: a != b,
                }[type(op)](left, right)
            result = result & np.asarray(part, dtype=bool)
            left = right
        return result
    raise IndicatorError(f"cannot evaluate {type(node).__name__}")


def evaluate(indicators: list[Indicator], features: pd.DataFrame) -> pd.DataFrame:
    """One 0/1 column per indicator."""
    known = set(features.columns)
    out = pd.DataFrame(index=features.index)
    for indicator in indicators:
        out[indicator.code] = np.asarray(_eval(indicator.tree(known), features), dtype=bool).astype(int)
    return out


@lru_cache(maxsize=512)
def _parsed(expression: str) -> ast.Expression:
    return ast.parse(expression, mode="eval")


def _scalar(node: ast.AST, values: dict[str, Any]) -> Any:
    """The same rules on one row of plain values (the single-declaration path: no pandas per call)."""
    if isinstance(node, ast.Expression):
        return _scalar(node.body, values)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return values.get(node.id, float("nan"))  # a feature not known: missing, as in the batch path
    if isinstance(node, ast.Tuple):
        return [_scalar(e, values) for e in node.elts]
    if isinstance(node, ast.UnaryOp):
        value = _scalar(node.operand, values)
        return (not value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.BoolOp):
        parts = (bool(_scalar(v, values)) for v in node.values)
        return all(parts) if isinstance(node.op, ast.And) else any(parts)
    if isinstance(node, ast.Compare):
        left = _scalar(node.left, values)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _scalar(comparator, values)
            if isinstance(op, ast.In | ast.NotIn):
                hit = left in right
                ok = hit if isinstance(op, ast.In) else not hit
            else:
                try:
                    ok = _COMPARE[type(op)](left, right)
                except TypeError:  # a missing value compared with a number: the rule does not fire
                    ok = False
            if not ok:
                return False
            left = right
        return True
    raise IndicatorError(f"cannot evaluate {type(node).__name__}")


_COMPARE = {
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
}


def evaluate_row(indicators: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, int]:
    """One 0/1 per indicator for one row (indicators as stored in a model's metadata, already validated)."""
    return {i["code"]: int(bool(_scalar(_parsed(i["expression"]), values))) for i in indicators}
