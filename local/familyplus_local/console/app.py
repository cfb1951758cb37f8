"""The operations console: a local web app like the Step Functions console, over a `ConsoleBackend`.

    GET  /executions                 list: workflow, status, since/until, response, family, q (search), page
    GET  /executions/{id}            graph from the ASL coloured by outcome, state details, history, children
    GET  /api/executions/{id}        the same as JSON (the page polls it while the execution runs)
    POST /executions/{id}/redrive    (confirmed in the page) · POST /executions/{id}/stop
    GET  /redrive?<filter>           bulk redrive: a dry-run preview of the matches · POST /redrive does it
    GET  /metrics                    executions and failures per workflow per day, per-stage failure rate and
                                     p50/p95, the lanes · GET /tasks: the workflows and stages

Security: the console binds to 127.0.0.1 unless told otherwise and then refuses to start without a token
(`serve_console`); with a token every request needs it (`?token=` once sets a cookie, or an
`Authorization: Bearer` header). Requests whose Host is not the console's own are refused (DNS rebinding), and
every POST carries a per-process form token (a page elsewhere cannot make the browser redrive). Nothing is
logged but method, path and status: executions' inputs are shown to the person at the console, never logged.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from familyplus.catalog import STAGES, WORKFLOWS
from familyplus_local.console import charts, views
from familyplus_local.console.backend import ActionRefusedError, ConsoleBackend
from familyplus_local.console.filters import ExecutionFilter, FilterError
from familyplus_local.executor import AmbiguousExecutionError, Execution, ExecutionNotFoundError
from familyplus_local.ops.executions import redrive_refusal

PAGE_SIZE = 25
TOKEN_COOKIE = "familyplus_console_token"
_TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
_FILTER_KEYS = ("workflow", "status", "since", "until", "response", "family", "q")


def _filter_from(params: dict[str, str]) -> ExecutionFilter:
    return ExecutionFilter.parse(
        workflow=params.get("workflow"),
        status=params.get("status"),
        since=params.get("since"),
        until=params.get("until"),
        response_id=params.get("response"),
        family_id=params.get("family"),
        search=params.get("q"),
    )


def create_console(
    backend: ConsoleBackend, *, token: str | None = None, allowed_hosts: set[str] | None = None
) -> FastAPI:
    """The console app. `allowed_hosts`: Host header values accepted (None: any — for tests' client)."""
    app = FastAPI(title="Family+ console", docs_url=None, redoc_url=None, openapi_url=None)
    form_token = secrets.token_urlsafe(24)

    def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.update(backend=backend.label, form_token=form_token, nav=template.split(".")[0])
        return _TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)

    def problem(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
        return page(request, "problem.html", status_code=status_code, title=title, message=message)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        host = request.headers.get("host", "")
        if allowed_hosts is not None and host not in allowed_hosts:
            return Response(f"host {host!r} is not this console's", status_code=421)
        if token is not None:
            given = request.query_params.get("token")
            if given is not None and secrets.compare_digest(given, token):
                query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
                target = request.url.path + (f"?{query}" if query else "")
                redirect = RedirectResponse(target, status_code=303)
                redirect.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
                return redirect
            presented = request.cookies.get(TOKEN_COOKIE) or request.headers.get("authorization", "").removeprefix(
                "Bearer "
            )
            if not presented or not secrets.compare_digest(presented, token):
                return Response("this console needs its token: open the URL it printed (…?token=…)", 401)
        return await call_next(request)

    async def posted(request: Request) -> dict[str, str]:
        """The form of a POST, once its form token is checked (a page on another site cannot post here)."""
        form = await request.form()
        if not secrets.compare_digest(str(form.get("form_token", "")), form_token):
            raise HTTPException(403, "missing or stale form token: reload the page and try again")
        return {key: str(value) for key, value in form.items()}

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/executions", status_code=303)

    @app.get("/executions", response_class=HTMLResponse)
    def executions_page(request: Request, page_number: int = 1) -> HTMLResponse:
        params = {k: request.query_params.get(k, "") for k in _FILTER_KEYS}
        try:
            where = _filter_from(params)
        except FilterError as exc:
            return problem(request, 400, f"bad filter: {exc.field}", str(exc))
        number = max(int(request.query_params.get("page", "1") or 1), 1)
        rows, total = backend.list(where, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        keep = {k: v for k, v in params.items() if v}
        return page(
            request,
            "executions.html",
            rows=[views.execution_row(r) for r in rows],
            total=total,
            page=number,
            pages=pages,
            params=params,
            workflows=backend.workflows(),
            statuses=["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"],
            prev_url=f"/executions?{urlencode({**keep, 'page': number - 1})}" if number > 1 else None,
            next_url=f"/executions?{urlencode({**keep, 'page': number + 1})}" if number < pages else None,
            redrive_url=f"/redrive?{urlencode(keep)}",
        )

    def _get(execution_id: str) -> Execution:
        return backend.get(execution_id)

    @app.get("/executions/{execution_id:path}/graph.svg")
    def graph(execution_id: str) -> Response:
        execution = _get(execution_id)
        svg = views.graph_svg(backend.definition(execution.state_machine_name), execution)
        return Response(svg, media_type="image/svg+xml")

    @app.get("/api/executions/{execution_id:path}")
    def execution_json(execution_id: str) -> JSONResponse:
        execution = _get(execution_id)
        return JSONResponse(
            {
                **views.execution_row(execution),
                "graph": views.graph_svg(backend.definition(execution.state_machine_name), execution),
                "states": views.states_detail(execution),
                "history": views.history_rows(execution),
                "children": views.children(execution),
            }
        )

    @app.get("/executions/{execution_id:path}", response_class=HTMLResponse)
    def execution_page(request: Request, execution_id: str) -> HTMLResponse:
        execution = _get(execution_id)
        row = views.execution_row(execution)
        return page(
            request,
            "execution.html",
            ex=row,
            notice=request.query_params.get("notice"),
            graph=views.graph_svg(backend.definition(execution.state_machine_name), execution),
            states=views.states_detail(execution),
            history=views.history_rows(execution),
            children=views.children(execution),
            iterations=views.map_iterations(execution),
            redrive_refusal=redrive_refusal(execution.status, execution.start_date, datetime.now(UTC)),
            can_stop=execution.status == "RUNNING",
        )

    @app.post("/executions/{execution_id:path}/redrive")
    async def redrive_one(request: Request, execution_id: str) -> Response:
        await posted(request)
        try:
            message = backend.redrive(execution_id)
        except ActionRefusedError as exc:
            return problem(request, 409, "redrive refused", str(exc))
        return RedirectResponse(f"/executions/{execution_id}?{urlencode({'notice': message})}", status_code=303)

    @app.post("/executions/{execution_id:path}/stop")
    async def stop_one(request: Request, execution_id: str) -> Response:
        await posted(request)
        try:
            message = backend.stop(execution_id)
        except ActionRefusedError as exc:
            return problem(request, 409, "stop refused", str(exc))
        return RedirectResponse(f"/executions/{execution_id}?{urlencode({'notice': message})}", status_code=303)

    def _bulk(params: dict[str, str]) -> tuple[ExecutionFilter, list[Execution], list[tuple[Execution, str]]]:
        where = _filter_from(params)
        if where.status is None or where.status not in ("FAILED", "ABORTED", "TIMED_OUT"):
            raise FilterError("status", "bulk redrive needs status FAILED, ABORTED or TIMED_OUT")
        rows, _ = backend.list(where, offset=0, limit=1000)
        now = datetime.now(UTC)
        matching = [r for r in rows if redrive_refusal(r.status, r.start_date, now) is None]
        skipped = [(r, refusal) for r in rows if (refusal := redrive_refusal(r.status, r.start_date, now))]
        return where, matching, skipped

    @app.get("/redrive", response_class=HTMLResponse)
    def bulk_preview(request: Request) -> HTMLResponse:
        params = {k: request.query_params.get(k, "") for k in _FILTER_KEYS}
        params["status"] = params["status"] or "FAILED"
        try:
            _, matching, skipped = _bulk(params)
        except FilterError as exc:
            return problem(request, 400, f"bad filter: {exc.field}", str(exc))
        return page(
            request,
            "redrive.html",
            params=params,
            workflows=backend.workflows(),
            matching=[views.execution_row(r) for r in matching],
            skipped=[(views.execution_row(r), why) for r, why in skipped],
            results=None,
        )

    @app.post("/redrive", response_class=HTMLResponse)
    async def bulk_redrive(request: Request) -> HTMLResponse:
        form = await posted(request)
        params = {key: form.get(key, "") for key in _FILTER_KEYS}
        try:
            _, matching, skipped = _bulk(params)
        except FilterError as exc:
            return problem(request, 400, f"bad filter: {exc.field}", str(exc))
        results = []
        for execution in matching:
            try:
                results.append((execution.name, True, backend.redrive(execution.execution_arn)))
            except ActionRefusedError as exc:
                results.append((execution.name, False, str(exc)))
        return page(
            request,
            "redrive.html",
            params=params,
            workflows=backend.workflows(),
            matching=[views.execution_row(r) for r in matching],
            skipped=[(views.execution_row(r), why) for r, why in skipped],
            results=results,
        )

    @app.get("/metrics", response_class=HTMLResponse)
    def metrics(request: Request, days: int = 7) -> HTMLResponse:
        if not 1 <= days <= 90:
            return problem(request, 400, "bad filter: days", f"days: {days} is not between 1 and 90")
        now = datetime.now(UTC)
        where = ExecutionFilter(since=now - timedelta(days=days))
        summaries, _ = backend.list(where, offset=0, limit=1000)
        detailed = [backend.get(s.execution_arn) for s in summaries if s.state_machine_name]
        workflows = []
        running = {wf: 0 for wf in backend.workflows()}
        for s in summaries:
            if s.status == "RUNNING":
                running[s.state_machine_name] = running.get(s.state_machine_name, 0) + 1
        for name, buckets in views.per_day(detailed, now, days).items():
            definition = backend.definition(name)
            stats = views.stage_stats(
                [d for d in detailed if d.state_machine_name == name], views.task_state_names(definition)
            )
            total = sum(b["total"] for b in buckets)
            failed = sum(b["failed"] for b in buckets)
            workflows.append(
                {
                    "name": name,
                    "total": total,
                    "failed": failed,
                    "chart": charts.day_bars(buckets),
                    "failure_chart": charts.hbars(
                        [(s.state, s.failure_rate, f"{s.failure_rate:.0%} of {s.runs}") for s in stats], maximum=1.0
                    ),
                    "duration_chart": charts.hbars(
                        [
                            (
                                s.state,
                                s.percentile(95) or 0.0,
                                f"p50 {_secs(s.percentile(50))} · p95 {_secs(s.percentile(95))}",
                            )
                            for s in stats
                        ]
                    ),
                    "stages": stats,
                }
            )
        lanes = []
        for name in backend.workflows():
            for lane in views.lane_limits(backend.definition(name)):
                lanes.append({"workflow": name, "running": running.get(name, 0), **lane})
        return page(
            request,
            "metrics.html",
            days=days,
            workflows=workflows,
            lanes=lanes,
            running=running,
            lanes_chart=charts.hbars([(wf, float(n), f"{n} running") for wf, n in running.items()]),
        )

    @app.get("/tasks", response_class=HTMLResponse)
    def tasks(request: Request) -> HTMLResponse:
        rows = []
        for wf in WORKFLOWS:
            definition = backend.definition(wf.name)
            rows.append(
                {
                    "name": wf.name,
                    "description": wf.description,
                    "file": wf.file_name,
                    "tasks": sorted(views.task_state_names(definition)),
                    "states": _count_states(definition.get("States", {})),
                }
            )
        return page(request, "tasks.html", workflows=rows, stages=STAGES)

    @app.exception_handler(ExecutionNotFoundError)
    def not_found(request: Request, exc: ExecutionNotFoundError) -> HTMLResponse:
        name = request.path_params.get("execution_id", "")
        for suffix in ("/redrive", "/stop", "/graph.svg"):
            name = name.removesuffix(suffix)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": f"no execution {name!r}"}, status_code=404)  # type: ignore[return-value]
        return problem(request, 404, "no such execution", f"no execution named {name!r} (by name or ARN)")

    @app.exception_handler(AmbiguousExecutionError)
    def ambiguous(request: Request, exc: AmbiguousExecutionError) -> HTMLResponse:
        return problem(request, 409, "ambiguous execution name", str(exc))

    return app


def _secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}s"


def _count_states(states: dict[str, Any]) -> int:
    count = 0
    for state in states.values():
        count += 1
        for branch in state.get("Branches", []):
            count += _count_states(branch.get("States", {}))
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            count += _count_states(processor.get("States", {}))
    return count
