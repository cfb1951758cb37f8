"""PostgREST's wire protocol over the real schema: Supabase without a Supabase project.

`PostgrestGateway` answers the HTTP requests supabase-py sends by running the equivalent SQL on a real
PostgreSQL with the migrations applied (`rehearsal.postgres.NativePostgres`), as PostgREST would: each
request in one transaction, as the `service_role` role, rows as JSON, errors as PostgREST's JSON error
(`code` = SQLSTATE). It covers the subset the cloud adapters use: select with `eq`/`is` filters / order /
limit / column aliases, upsert (`on_conflict`, `resolution=merge-duplicates`), update with `select`, and RPC
with named JSON arguments. PostgREST itself is a Haskell server available from no registry this project can use.

It is an httpx handler (the contract tests install it with respx) and, through `serve_gateway`, a real HTTP
server on 127.0.0.1 (the rehearsal's Supabase). With `service_key` set it checks what Supabase's API gateway
checks: the `apikey` header and the `Authorization: Bearer` token both carry the key, else 401.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import psycopg
from psycopg import sql

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
#: PostgREST's comparison operators (`column=op.value`) and their SQL.
_COMPARISONS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_CONTROL_PARAMS = {"select", "order", "limit", "offset", "on_conflict", "columns"}
#: PostgREST's HTTP status for an SQLSTATE (https://postgrest.org "Errors"): the classes the store can meet.
_STATUS = {"23505": 409, "23503": 409, "P0002": 404, "42501": 403, "42883": 404, "42P01": 404}


def _ident(name: str) -> sql.Identifier:
    if not _NAME.match(name):
        raise ValueError(f"unsupported identifier {name!r}")
    return sql.Identifier(name)


def exchange_key(request: httpx.Request) -> dict[str, Any]:
    """What identifies a request: method, path with query, and the JSON body."""
    body = json.loads(request.content) if request.content else None
    return {"method": request.method, "url": request.url.raw_path.decode("ascii"), "body": body}


class PostgrestGateway:
    """An httpx handler (`respx` side effect, or behind `serve_gateway`) serving PostgREST requests.

    One connection, one request at a time (a lock): PostgREST's own pool would run them concurrently, but each
    request is one transaction either way, so serialising changes timing, never results."""

    def __init__(self, conn: psycopg.Connection, *, service_key: str | None = None) -> None:
        self.conn = conn
        self.service_key = service_key
        self.exchanges: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        refused = self._refused(request)
        if refused is not None:
            status, body = 401, {"message": refused}
        else:
            with self._lock:
                status, body = self._serve(request)
        self.exchanges.append({"request": exchange_key(request), "response": {"status": status, "body": body}})
        return _response(status, body)

    def _refused(self, request: httpx.Request) -> str | None:
        """Supabase's gateway answers 401 without the project key in both headers (the names, never the key)."""
        if self.service_key is None:
            return None
        if request.headers.get("apikey") != self.service_key:
            return "Invalid API key: the apikey header does not carry the project's key"
        if request.headers.get("authorization") != f"Bearer {self.service_key}":
            return "Invalid JWT: the Authorization header is not 'Bearer <the project's key>'"
        return None

    def _serve(self, request: httpx.Request) -> tuple[int, Any]:
        parts = urlsplit(str(request.url))
        path = parts.path.removeprefix("/rest/v1/")
        params = parse_qsl(parts.query, keep_blank_values=True)
        prefer = {p.strip() for p in request.headers.get("prefer", "").split(",") if p.strip()}
        payload = json.loads(request.content) if request.content else None
        try:
            with self.conn.transaction():
                self.conn.execute("set local role service_role")
                self.conn.execute("set local search_path = public, extensions")
                if path.startswith("rpc/"):
                    return self._rpc(path.removeprefix("rpc/"), payload)
                if request.method == "GET":
                    return 200, self._select(path, params)
                if request.method == "POST":
                    return self._insert(path, params, prefer, payload)
                if request.method == "PATCH":
                    return self._update(path, params, prefer, payload)
                return 405, {"code": "PGRST117", "message": f"unsupported method {request.method}"}
        except ValueError as exc:  # a request this gateway does not translate: PostgREST's parse error
            return 400, {"code": "PGRST100", "message": str(exc), "details": None, "hint": None}
        except psycopg.Error as exc:
            code = exc.sqlstate or "XX000"
            status = _STATUS.get(code, 400 if code[:2] in {"22", "23", "42"} else 500)
            diag = exc.diag
            return status, {
                "code": code,
                "message": diag.message_primary or str(exc),
                "details": diag.message_detail,
                "hint": diag.message_hint,
            }

    # --- reads ---------------------------------------------------------------------------------------

    def _select(self, table: str, params: list[tuple[str, str]]) -> list[Any]:
        query = sql.SQL("select {cols} from {table}{where}{order}{limit}").format(
            cols=_columns(dict(params).get("select", "*")),
            table=_ident(table),
            where=_where(params),
            order=_order(dict(params).get("order")),
            limit=_limit(dict(params).get("limit")),
        )
        return self._json_rows(query, _filter_values(params))

    def _json_rows(self, query: sql.Composable, values: list[Any]) -> list[Any]:
        wrapped = sql.SQL("select coalesce(json_agg(t), '[]'::json) from ({q}) t").format(q=query)
        row = self.conn.execute(wrapped, values).fetchone()
        return list(row[0]) if row else []

    # --- writes --------------------------------------------------------------------------------------

    def _insert(self, table: str, params: list[tuple[str, str]], prefer: set[str], payload: Any) -> tuple[int, Any]:
        rows = payload if isinstance(payload, list) else [payload]
        named = dict(params).get("columns")
        columns = named.split(",") if named else sorted({k for r in rows for k in r})
        cols = sql.SQL(", ").join(_ident(c) for c in columns)
        conflict: sql.Composable = sql.SQL("")
        on_conflict = dict(params).get("on_conflict")
        if on_conflict and "resolution=merge-duplicates" in prefer:
            updates = sql.SQL(", ").join(sql.SQL("{c} = excluded.{c}").format(c=_ident(c)) for c in columns)
            keys = sql.SQL(", ").join(_ident(c) for c in on_conflict.split(","))
            conflict = sql.SQL(" on conflict ({keys}) do update set {updates}").format(keys=keys, updates=updates)
        insert = sql.SQL(
            "insert into {table} ({cols}) select {cols} from json_populate_recordset(null::{table}, %s::json){conflict}"
        ).format(table=_ident(table), cols=cols, conflict=conflict)
        return self._write(insert, [json.dumps(rows)], params, prefer, created=True)

    def _update(self, table: str, params: list[tuple[str, str]], prefer: set[str], payload: Any) -> tuple[int, Any]:
        columns = sorted(payload)
        cols = sql.SQL(", ").join(_ident(c) for c in columns)
        update = sql.SQL(
            "update {table} set ({cols}) = (select {cols} from json_populate_record(null::{table}, %s::json)){where}"
        ).format(table=_ident(table), cols=cols, where=_where(params))
        return self._write(update, [json.dumps(payload), *_filter_values(params)], params, prefer, created=False)

    def _write(
        self,
        statement: sql.Composed,
        values: list[Any],
        params: list[tuple[str, str]],
        prefer: set[str],
        *,
        created: bool,
    ) -> tuple[int, Any]:
        if "return=representation" not in prefer:
            self.conn.execute(statement, values)
            return (201 if created else 204), None
        returning = sql.SQL(
            "with w as ({s} returning *) select coalesce(json_agg(t), '[]'::json) from (select {cols} from w) t"
        ).format(s=statement, cols=_columns(dict(params).get("select", "*")))
        row = self.conn.execute(returning, values).fetchone()
        return (201 if created else 200), list(row[0]) if row else []

    # --- functions -----------------------------------------------------------------------------------

    def _rpc(self, function: str, args: dict[str, Any] | None) -> tuple[int, Any]:
        args = args or {}
        row = self.conn.execute(
            "select p.proargnames, array(select format_type(t, null) from unnest(p.proargtypes) t), "
            "format_type(p.prorettype, null), p.proretset from pg_proc p "
            "where p.proname = %s and p.pronamespace = 'public'::regnamespace",
            (function,),
        ).fetchone()
        if row is None:
            return 404, {"code": "PGRST202", "message": f"Could not find the function public.{function}"}
        names, types, returns, returns_set = row
        unknown = set(args) - set(names[: len(types)])
        if unknown:
            return 404, {"code": "PGRST202", "message": f"public.{function} has no parameter {sorted(unknown)}"}
        passed = []
        for name, typ in zip(names, types, strict=False):
            if name not in args:
                continue  # PostgREST leaves it to the parameter's default
            getter = "->" if typ in {"jsonb", "json"} else "->>"
            passed.append(
                sql.SQL("{n} => (%(args)s::jsonb " + getter + " {key})::{typ}").format(
                    n=_ident(name), key=sql.Literal(name), typ=sql.SQL(typ)
                )
            )
        call = sql.SQL("{fn}({args})").format(fn=_ident(function), args=sql.SQL(", ").join(passed))
        values = {"args": json.dumps(args)}
        if returns == "void":
            self.conn.execute(sql.SQL("select {call}").format(call=call), values)
            return 204, None
        query = sql.SQL("select * from {call}").format(call=call)
        wrapped = sql.SQL("select coalesce(json_agg(t), '[]'::json) from ({q}) t").format(q=query)
        fetched = self.conn.execute(wrapped, values).fetchone()
        rows = list(fetched[0]) if fetched else []
        return 200, rows if returns_set else (rows[0] if rows else None)


def _columns(select: str) -> sql.Composable:
    if select == "*":
        return sql.SQL("*")
    parts = []
    for item in select.split(","):
        alias, _, column = item.rpartition(":")
        parts.append(sql.SQL("{c} as {a}").format(c=_ident(column), a=_ident(alias)) if alias else _ident(column))
    return sql.SQL(", ").join(parts)


def _filters(params: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    out = []
    for key, value in params:
        if key in _CONTROL_PARAMS:
            continue
        op, _, operand = value.partition(".")
        if op not in _COMPARISONS and op != "is":
            raise ValueError(f"unsupported filter {key}={value}")
        out.append((key, op, operand))
    return out


def _where(params: list[tuple[str, str]], qualify: str | None = None) -> sql.Composable:
    clauses = []
    for column, op, operand in _filters(params):
        target = sql.SQL("{t}.{c}").format(t=_ident(qualify), c=_ident(column)) if qualify else _ident(column)
        if op in _COMPARISONS:
            clauses.append(sql.SQL("{c} " + _COMPARISONS[op] + " %s").format(c=target))
        elif operand == "null":
            clauses.append(sql.SQL("{c} is null").format(c=target))
        else:
            raise ValueError(f"unsupported is.{operand}")
    return sql.SQL(" where ") + sql.SQL(" and ").join(clauses) if clauses else sql.SQL("")


def _filter_values(params: list[tuple[str, str]]) -> list[str]:
    return [operand for _, op, operand in _filters(params) if op in _COMPARISONS]


def _order(order: str | None) -> sql.Composable:
    if not order:
        return sql.SQL("")
    terms = []
    for term in order.split(","):
        column, *modifiers = term.split(".")
        direction = sql.SQL(" desc") if "desc" in modifiers else sql.SQL(" asc")
        terms.append(_ident(column) + direction)
    return sql.SQL(" order by ") + sql.SQL(", ").join(terms)


def _limit(limit: str | None) -> sql.Composable:
    return sql.SQL(" limit {n}").format(n=sql.Literal(int(limit))) if limit else sql.SQL("")


def _response(status: int, body: Any) -> httpx.Response:
    if body is None:
        return httpx.Response(status)
    return httpx.Response(status, json=body)


class _Handler(BaseHTTPRequestHandler):
    gateway: PostgrestGateway

    def _forward(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        request = httpx.Request(
            self.command,
            f"http://{self.headers.get('host', '127.0.0.1')}{self.path}",
            headers=list(self.headers.items()),
            content=self.rfile.read(length) if length else b"",
        )
        response = self.gateway(request)
        self.send_response(response.status_code)
        for key in ("content-type",):
            if key in response.headers:
                self.send_header(key, response.headers[key])
        self.send_header("content-length", str(len(response.content)))
        self.end_headers()
        self.wfile.write(response.content)

    do_GET = do_POST = do_PATCH = do_DELETE = _forward

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the rehearsal records exchanges itself, and request lines carry ids that stay out of logs."""


@contextmanager
def serve_gateway(dsn: str, *, service_key: str | None = None) -> Iterator[tuple[str, PostgrestGateway]]:
    """The gateway as an HTTP server on 127.0.0.1 (an ephemeral port); yields (base URL, gateway)."""
    conn = psycopg.connect(dsn, autocommit=True)
    gateway = PostgrestGateway(conn, service_key=service_key)
    handler = type("GatewayHandler", (_Handler,), {"gateway": gateway})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="postgrest-gateway", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", gateway
    finally:
        server.shutdown()
        server.server_close()
        conn.close()
