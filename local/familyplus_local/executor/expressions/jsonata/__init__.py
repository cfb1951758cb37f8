"""The JSONata query language of Step Functions: `{% %}` expressions (evaluated by jsonata-python), the
functions Step Functions adds, and templates (Arguments, Output, Assign, ...) made of them."""

from .expression import Expression, compile_expression, is_expression
from .template import JsonataPayload, JsonataTemplate, JsonataValue, compile_jsonata

__all__ = [
    "Expression",
    "JsonataPayload",
    "JsonataTemplate",
    "JsonataValue",
    "compile_expression",
    "compile_jsonata",
    "is_expression",
]
