"""The rehearsal's deployed stack: emulated AWS, doubles, Postgres + gateway, function pools, state machines.

`RehearsedStack` is the composition root: it reads `cdk.out`, deploys the template's resources into moto,
starts the providers' doubles and the Supabase gateway over a native PostgreSQL, and runs the template's
state machines on the local executor, whose `invoke` hook starts (or reuses) each function's Lambda-like
process by the function name the definition names, with `lambda:invoke` semantics. The Step Functions
JSON-protocol endpoint (`states_api`) is served through the same front door.
"""

from __future__ import annotations

import json
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from familyplus_local.executor import Execution, TaskError, redrive_execution, run_state_machine
from rehearsal.aws import Call, EmulatedAws, is_allowed
from rehearsal.doubles import Doubles, Faults, serve_json
from rehearsal.environment import InvokeResult, Pool
from rehearsal.postgres import NativePostgres
from rehearsal.postgrest_gateway import serve_gateway
from rehearsal.sandbox import LambdaRoot
from rehearsal.states_api import RunningExecution, StatesApi
from rehearsal.template import Deployment, read_deployment

SUPABASE_KEY = "sb_secret_rehearsal-service-role"
OPENAI_KEY = "sk-rehearsal-openai"
CARTESIA_KEY = "sk_car_rehearsal"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "rehearsal-twilio-token"


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
        self.aws = EmulatedAws(self.deployment, {"bedrock": self.doubles.bedrock, "states": StatesApi(self).handle})
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

    def run(self, running: RunningExecution) -> Execution:
        definition = self.deployment.state_machines[running.machine].definition
        return run_state_machine(
            definition,
            running.input,
            invoke=self._invoker(running.machine),
            start_execution=self._child_starter(running.machine),
            objects=MachineObjects(self, running.machine),
            name=running.name,
            state_machine_name=running.machine,
            listener=running.live.append,
            max_workers=4,
            stop=running.stop,
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
                running.execution = self.run(running)
            except Exception as exc:  # reported as the execution's failure, never lost in a thread
                running.error = f"{type(exc).__name__}: {exc}"

        running.thread = threading.Thread(target=drive, name=f"execution-{name}", daemon=True)
        self.executions[arn] = running
        running.thread.start()
        return running

    def redrive(self, running: RunningExecution) -> None:
        """RedriveExecution: the failed execution resumes in place on the executor (same ARN, history kept)."""
        assert running.execution is not None
        execution = running.execution
        definition = self.deployment.state_machines[running.machine].definition
        running.stop, running.stopped_at, running.error = threading.Event(), None, None

        def drive() -> None:
            try:
                redrive_execution(
                    definition,
                    execution,
                    invoke=self._invoker(running.machine),
                    start_execution=self._child_starter(running.machine),
                    objects=MachineObjects(self, running.machine),
                    max_workers=4,
                    stop=running.stop,
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


class MachineObjects:
    """A distributed Map's ItemReader / ResultWriter objects in the emulated bucket, each read or write
    checked against the state machine's own role (`s3:GetObject` / `s3:PutObject` on the object)."""

    def __init__(self, stack: RehearsedStack, machine: str) -> None:
        self.stack, self.machine = stack, machine

    def get_object(self, bucket: str, key: str) -> bytes:
        self.stack._check_machine(self.machine, "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}")
        body: bytes = self.stack.aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

    def put_object(self, bucket: str, key: str, data: bytes) -> None:
        self.stack._check_machine(self.machine, "s3:PutObject", f"arn:aws:s3:::{bucket}/{key}")
        self.stack.aws.client("s3").put_object(Bucket=bucket, Key=key, Body=data)
