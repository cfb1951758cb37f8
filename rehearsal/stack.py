"""The rehearsal's deployed stack: emulated AWS, doubles, Postgres + gateway, function pools, state machines.

`RehearsedStack` is the composition root: it reads `cdk.out`, deploys the template's resources into moto,
starts the providers' doubles and the Supabase gateway over a native PostgreSQL, and runs the template's
state machines on the local executor, whose `invoke` hook starts (or reuses) each function's Lambda-like
process by the function name the definition names, with `lambda:invoke` semantics. A Step Functions JSON
protocol endpoint (StartExecution, DescribeExecution) is served through the same front door, so
`familyplus.client.start_processing` runs unchanged with a boto3 client whose `endpoint_url` is the rehearsal.
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from familyplus_local.executor import Execution, TaskError, redrive_execution, run_state_machine
from rehearsal.aws import Call, EmulatedAws, is_allowed
from rehearsal.doubles import Doubles, Faults, serve_json
from rehearsal.environment import InvokeResult, Pool
from rehearsal.postgres import NativePostgres
from rehearsal.postgrest_gateway import serve_gateway
from rehearsal.sandbox import LambdaRoot
from rehearsal.template import Deployment, read_deployment

SUPABASE_KEY = "sb_secret_rehearsal-service-role"
OPENAI_KEY = "sk-rehearsal-openai"
CARTESIA_KEY = "sk_car_rehearsal"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "rehearsal-twilio-token"


@dataclass
class RunningExecution:
    arn: str
    name: str
    machine: str
    input: Any
    thread: threading.Thread | None = None
    execution: Execution | None = None
    started: float = field(default_factory=time.time)
    error: str | None = None


class RehearsedStack:
    def __init__(self, cdk_out: Path, *, faults: Faults | None = None, rewrite: Any = None) -> None:
        self._exit = ExitStack()
        self.faults = faults or Faults()
        self.deployment: Deployment = read_deployment(cdk_out)
        self.postgres = self._exit.enter_context(NativePostgres())
        self.gateway_url, self.gateway = self._exit.enter_context(
            serve_gateway(self.postgres.dsn, service_key=SUPABASE_KEY)
        )
        self.doubles = Doubles(
            openai_key=OPENAI_KEY, cartesia_key=CARTESIA_KEY, twilio=(TWILIO_SID, TWILIO_TOKEN), faults=self.faults
        )
        exchanges = self.doubles.exchanges
        self.openai_url = self._exit.enter_context(serve_json(self.doubles.openai, self.faults, "openai", exchanges))
        cartesia = serve_json(self.doubles.cartesia_routes, self.faults, "cartesia", exchanges)
        self.cartesia_url = self._exit.enter_context(cartesia)
        self.twilio_url = self._exit.enter_context(serve_json(self.doubles.twilio, self.faults, "twilio", exchanges))
        self.aws = EmulatedAws(self.deployment, {"bedrock": self.doubles.bedrock, "states": self._states})
        self._exit.callback(self.aws.close)
        secret = {
            "SUPABASE_URL": self.gateway_url,
            "SUPABASE_KEY": SUPABASE_KEY,
            "OPENAI_API_KEY": OPENAI_KEY,
            "CARTESIA_API_KEY": CARTESIA_KEY,
            "CARTESIA_BASE_URL": self.cartesia_url,
            "CARTESIA_VOICE_HOST": "voice-host-rehearsal",
            "CARTESIA_VOICE_NARRATOR": "voice-narrator-rehearsal",
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_FROM": "+15550001111",
            "TWILIO_API_URL": f"{self.twilio_url}/2010-04-01",
        }
        self.deployment = read_deployment(cdk_out, self.aws.create_secrets(secret))
        if rewrite is not None:  # the "rehearsal can fail" tests edit the deployment (a grant, an env var)
            rewrite(self.deployment)
        self.aws.deployment = self.deployment
        credentials = self.aws.deploy()
        for function in self.deployment.functions.values():
            # What the rehearsal adds to the template's environment besides AWS_ENDPOINT_URL and the role's
            # session: the OpenAI SDK's own base-URL variable (a real deploy reaches api.openai.com).
            credentials[function.name]["OPENAI_BASE_URL"] = f"{self.openai_url}/v1"
        self.root = LambdaRoot()
        self._exit.callback(self.root.close)
        self.pool = Pool(self.root, credentials, self.aws.endpoint)
        self._exit.callback(self.pool.close)
        self.executions: dict[str, RunningExecution] = {}
        self.failures: list[InvokeResult] = []

    # --- lambda:invoke -----------------------------------------------------------------------------

    def _invoker(self, machine: str) -> Any:
        def invoke(function_ref: str, payload: Any) -> Any:
            function = self.deployment.function_by_arn(function_ref)
            self._check_machine(machine, "lambda:InvokeFunction", function.arn)
            return self.invoke(function.name, payload)

        return invoke

    def _check_machine(self, machine: str, action: str, resource: str) -> None:
        """A state machine's own calls (lambda:InvokeFunction, states:StartExecution) against its role."""
        role = self.deployment.roles[self.deployment.state_machines[machine].role]
        allowed = is_allowed(list(role.policies.values()), action, resource)
        self.aws.record(Call(machine, action.split(":")[0], action, resource, allowed, 200 if allowed else 403))
        if not allowed:
            raise TaskError(
                "AccessDeniedException", f"{machine} is not authorized to perform: {action} on resource: {resource}"
            )

    def fire_schedule(self, name: str, scheduled_time: str) -> Any:
        """An EventBridge Scheduler target fired as the Scheduler fires it: the template's Input with
        `<aws.scheduler.scheduled-time>` substituted, invoked with the schedule's own role (checked)."""
        schedule = self.deployment.schedules[name]
        payload = json.loads(schedule.input.replace("<aws.scheduler.scheduled-time>", scheduled_time))
        role = next(r for r in self.deployment.roles.values() if r.arn == schedule.role_arn)
        target = schedule.target_arn
        action = "states:StartExecution" if ":stateMachine:" in target else "lambda:InvokeFunction"
        allowed = is_allowed(list(role.policies.values()), action, target)
        self.aws.record(
            Call(f"schedule {name}", action.split(":")[0], action, target, allowed, 200 if allowed else 403)
        )
        if not allowed:
            raise TaskError("AccessDeniedException", f"schedule {name} may not {action} on {target}")
        if action == "lambda:InvokeFunction":
            return self.invoke(target, payload)
        started = self.start(target, f"{name}-{scheduled_time.replace(':', '')}", payload)
        return started

    def invoke(self, function_ref: str, payload: Any) -> Any:
        function = self.deployment.function_by_arn(function_ref)
        result = self.pool.invoke(function, payload)
        if result.error is not None:
            self.failures.append(result)
            raise TaskError(str(result.error.get("errorType", "Unhandled")), json.dumps(result.error))
        return result.payload

    # --- state machines ----------------------------------------------------------------------------

    def run(self, machine: str, data: Any, *, name: str) -> Execution:
        definition = self.deployment.state_machines[machine].definition
        return run_state_machine(
            definition,
            data,
            invoke=self._invoker(machine),
            start_execution=self._child_starter(machine),
            name=name,
            state_machine_name=machine,
            max_workers=4,
        )

    def _child_starter(self, parent: str) -> Any:
        def start_child(machine_arn: str, payload: Any, name: str | None, wait: bool) -> dict[str, Any]:
            """`states:startExecution[.sync:2]` as the parent's role makes it."""
            self._check_machine(parent, "states:StartExecution", machine_arn)
            data = json.loads(payload) if isinstance(payload, str) else payload
            name = name or f"child-{len(self.executions) + 1}"
            arn = machine_arn.replace(":stateMachine:", ":execution:") + ":" + name
            if arn in self.executions:
                raise TaskError("StepFunctions.ExecutionAlreadyExistsException", f"Execution Already Exists: '{arn}'")
            running = self.start(machine_arn, name, data)
            if not wait:
                return {"ExecutionArn": arn, "StartDate": running.started}
            self.wait(arn)
            child = running.execution
            if child is None or child.status != "SUCCEEDED":
                cause = {
                    "ExecutionArn": arn,
                    "Status": child.status if child else "FAILED",
                    "Error": child.error if child else "Rehearsal.ExecutorError",
                    "Cause": child.cause if child else running.error,
                }
                raise TaskError("States.TaskFailed", json.dumps(cause))
            return {"ExecutionArn": arn, "Output": child.output, "Status": child.status, "StartDate": running.started}

        return start_child

    def start(self, machine_arn: str, name: str, data: Any) -> RunningExecution:
        machine = machine_arn.rsplit(":", 1)[-1]
        arn = machine_arn.replace(":stateMachine:", ":execution:") + ":" + name
        running = RunningExecution(arn, name, machine, data)

        def drive() -> None:
            try:
                running.execution = self.run(machine, data, name=name)
            except Exception as exc:  # reported as the execution's failure, never lost in a thread
                running.error = f"{type(exc).__name__}: {exc}"

        running.thread = threading.Thread(target=drive, name=f"execution-{name}", daemon=True)
        self.executions[arn] = running
        running.thread.start()
        return running

    def _states(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        operation = headers.get("x-amz-target", "").rsplit(".", 1)[-1]
        request = json.loads(body or b"{}")
        out: dict[str, Any]
        if operation == "StartExecution":
            machine_arn = request["stateMachineArn"]
            if machine_arn.rsplit(":", 1)[-1] not in self.deployment.state_machines:
                return _states_error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{machine_arn}'")
            name = request.get("name") or f"exec-{len(self.executions) + 1}"
            arn = machine_arn.replace(":stateMachine:", ":execution:") + ":" + name
            existing = self.executions.get(arn)
            data = json.loads(request.get("input") or "{}")
            if existing is not None:
                running = existing.execution is None and existing.error is None
                if not (running and existing.input == data):
                    return _states_error("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
            else:
                self.start(machine_arn, name, data)
            out = {"executionArn": arn, "startDate": self.executions[arn].started}
        elif operation == "RedriveExecution":
            found = self.executions.get(request.get("executionArn", ""))
            if found is None:
                return _states_error(
                    "ExecutionDoesNotExist", f"Execution Does Not Exist: '{request.get('executionArn')}'"
                )
            if found.execution is None or found.execution.status not in ("FAILED", "TIMED_OUT", "ABORTED"):
                return _states_error("ExecutionNotRedrivable", f"Execution is not redrivable: '{found.arn}'")
            self.redrive(found)
            out = {"redriveDate": time.time()}
        elif operation == "ListExecutions":
            machine = request.get("stateMachineArn", "")
            rows = [
                describe(e)
                for e in self.executions.values()
                if e.arn.startswith(machine.replace(":stateMachine:", ":execution:") + ":")
            ]
            if request.get("statusFilter"):
                rows = [r for r in rows if r["status"] == request["statusFilter"]]
            keep = ("executionArn", "stateMachineArn", "name", "status", "startDate", "stopDate", "redriveCount")
            out = {"executions": [{k: r[k] for k in keep if k in r} for r in reversed(rows)]}
        elif operation == "DescribeStateMachine":
            name = request.get("stateMachineArn", "").rsplit(":", 1)[-1]
            if name not in self.deployment.state_machines:
                return _states_error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{name}'")
            machine_def = self.deployment.state_machines[name]
            out = {
                "stateMachineArn": machine_def.arn,
                "name": name,
                "status": "ACTIVE",
                "type": "STANDARD",
                "definition": json.dumps(machine_def.definition),
                "roleArn": self.deployment.roles[machine_def.role].arn,
                "creationDate": 0,
            }
        elif operation == "DescribeExecution":
            found = self.executions.get(request.get("executionArn", ""))
            if found is None:
                return _states_error(
                    "ExecutionDoesNotExist", f"Execution Does Not Exist: '{request.get('executionArn')}'"
                )
            out = describe(found)
        else:
            return _states_error("UnknownOperationException", f"the rehearsal does not serve {operation}")
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(out).encode()

    def redrive(self, running: RunningExecution) -> None:
        """RedriveExecution: the failed execution resumes in place on the executor (same ARN, history kept)."""
        assert running.execution is not None
        execution = running.execution
        definition = self.deployment.state_machines[running.machine].definition

        def drive() -> None:
            try:
                redrive_execution(
                    definition,
                    execution,
                    invoke=self._invoker(running.machine),
                    start_execution=self._child_starter(running.machine),
                    max_workers=4,
                )
            except Exception as exc:  # reported as the execution's failure, never lost in a thread
                running.error = f"{type(exc).__name__}: {exc}"

        running.thread = threading.Thread(target=drive, name=f"redrive-{running.name}", daemon=True)
        running.thread.start()

    def wait(self, arn: str, timeout_s: float = 600) -> RunningExecution:
        running = self.executions[arn]
        assert running.thread is not None
        running.thread.join(timeout_s)
        return running

    def close(self) -> None:
        self._exit.close()


def describe(found: RunningExecution) -> dict[str, Any]:
    execution = found.execution
    status = "FAILED" if found.error else execution.status if execution else "RUNNING"
    out: dict[str, Any] = {
        "executionArn": found.arn,
        "stateMachineArn": found.arn.replace(":execution:", ":stateMachine:").rsplit(":", 1)[0],
        "name": found.name,
        "status": status,
        "startDate": found.started,
        "input": json.dumps(found.input),
        "redriveCount": execution.redrive_count if execution else 0,
    }
    if execution is not None and execution.stop_date is not None:
        out["stopDate"] = execution.stop_date.timestamp()
    if execution is not None and execution.output is not None:
        out["output"] = json.dumps(execution.output)
    if execution is not None and execution.error:
        out["error"], out["cause"] = execution.error, execution.cause or ""
    if found.error:
        out["error"], out["cause"] = "Rehearsal.ExecutorError", found.error
    return out


def _states_error(code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    return (
        400,
        {"Content-Type": "application/x-amz-json-1.0"},
        json.dumps({"__type": code, "message": message}).encode(),
    )
