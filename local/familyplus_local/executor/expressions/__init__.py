"""Expressions in state definitions, one subpackage per ASL query language.

* `env`       — what an expression is evaluated against: the state's data, the context object (`$$`), the rng
* `jsonpath/` — the JSONPath query language (paths, payload templates, intrinsic functions, Choice rules and
  the InputPath → … → OutputPath pipeline)

The JSONata query language belongs beside `jsonpath/`, as `jsonata/`, with its own processing of a state's
Arguments / Output / Assign and its own Choice `Condition`; `definition/` reads `QueryLanguage` (today it
refuses anything but JSONPath, naming the field).
"""
