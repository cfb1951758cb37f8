"""The JSONPath query language of ASL (a definition's default, `"QueryLanguage": "JSONPath"`).

* `paths`       — Paths and Reference Paths (`$.a.b`, `$$.Execution.Id`, filters), read and written
* `template`    — payload templates: Parameters, ResultSelector, ItemSelector (`"key.$"` fields)
* `intrinsics/` — the `States.*` intrinsic functions a template may call
* `choice`      — Choice rules (Variable + comparison operators, And/Or/Not)
* `processing`  — a state's input/output pipeline: InputPath → Parameters → ResultSelector → ResultPath →
  OutputPath
"""
