"""Read the synthesized CloudFormation template (`cdk.out/`) as CloudFormation would deploy it.

Every Lambda function (handler, environment, memory, timeout, layers, role), every role's inline policies,
and every state machine's DefinitionString with its DefinitionSubstitutions resolved, with each logical id
turned into the physical name or ARN the emulated resource gets. Intrinsics are resolved like CloudFormation
resolves them (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, pseudo parameters); anything else is refused
by name rather than guessed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"  # moto's default account: the ARNs moto issues and the template's agree
REGION = "us-east-1"
PARTITION = "aws"


class TemplateError(ValueError):
    """The template (or cdk.out) is missing or holds something the rehearsal cannot deploy; names it."""


@dataclass(frozen=True)
class Layer:
    logical_id: str
    name: str
    asset: Path  # the zip cdk.out holds for it (the arm64 layer that a deploy uploads)


@dataclass(frozen=True)
class Function:
    logical_id: str
    name: str
    handler: str
    runtime: str
    memory_mb: int
    timeout_s: int
    ephemeral_mb: int
    environment: dict[str, str]
    layers: tuple[Layer, ...]
    role: str  # logical id of its IAM role
    asset: Path  # the code folder cdk.out staged
    log_group: str

    @property
    def arn(self) -> str:
        return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{self.name}"


@dataclass(frozen=True)
class Role:
    logical_id: str
    name: str
    trust: dict[str, Any]
    policies: dict[str, dict[str, Any]]  # policy name -> resolved policy document

    @property
    def arn(self) -> str:
        return f"arn:{PARTITION}:iam::{ACCOUNT}:role/{self.name}"


@dataclass(frozen=True)
class StateMachine:
    logical_id: str
    name: str
    definition: dict[str, Any]  # substitutions made, references resolved
    role: str

    @property
    def arn(self) -> str:
        return f"arn:{PARTITION}:states:{REGION}:{ACCOUNT}:stateMachine:{self.name}"


@dataclass(frozen=True)
class Schedule:
    name: str
    target_arn: str
    input: str
    role_arn: str


@dataclass
class Deployment:
    """What the template deploys, with physical names."""

    stack: str
    functions: dict[str, Function] = field(default_factory=dict)  # by function name
    roles: dict[str, Role] = field(default_factory=dict)  # by logical id
    state_machines: dict[str, StateMachine] = field(default_factory=dict)  # by name
    buckets: dict[str, str] = field(default_factory=dict)  # logical id -> bucket name
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)  # table name -> properties
    secrets: dict[str, str] = field(default_factory=dict)  # secret name -> logical id
    schedules: dict[str, Schedule] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)  # logical id -> topic name

    def function_by_arn(self, arn_or_name: str) -> Function:
        name = arn_or_name.split(":function:")[-1].split(":")[0]
        try:
            return self.functions[name]
        except KeyError:
            raise TemplateError(f"no function {name!r} in the template") from None


def _physical_name(stack: str, logical_id: str, limit: int = 63) -> str:
    """CloudFormation's generated names are `<stack>-<logical id>-<random>`: lower case, no random part here."""
    return f"{stack}-{logical_id}".lower()[:limit]


class _Resolver:
    def __init__(self, stack: str, resources: dict[str, Any], secret_arns: dict[str, str]) -> None:
        self.refs: dict[str, str] = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack,
            "AWS::NoValue": "",
        }
        self.arns: dict[str, str] = {}
        for logical, resource in resources.items():
            kind, props = resource["Type"], resource.get("Properties", {})
            if kind == "AWS::S3::Bucket":
                name = props.get("BucketName") or _physical_name(stack, logical)
                self.refs[logical], self.arns[logical] = name, f"arn:aws:s3:::{name}"
            elif kind in ("AWS::DynamoDB::GlobalTable", "AWS::DynamoDB::Table"):
                name = props.get("TableName") or _physical_name(stack, logical, 255)
                self.refs[logical] = name
                self.arns[logical] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
            elif kind == "AWS::SecretsManager::Secret":
                self.refs[logical] = self.arns[logical] = secret_arns[logical]
            elif kind == "AWS::Lambda::Function":
                name = props.get("FunctionName") or _physical_name(stack, logical, 64)
                self.refs[logical] = name
                self.arns[logical] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
            elif kind == "AWS::IAM::Role":
                name = props.get("RoleName") or _physical_name(stack, logical, 64)
                self.refs[logical], self.arns[logical] = name, f"arn:aws:iam::{ACCOUNT}:role/{name}"
            elif kind == "AWS::Logs::LogGroup":
                name = props.get("LogGroupName") or f"/aws/{_physical_name(stack, logical)}"
                self.refs[logical] = name
                self.arns[logical] = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*"
            elif kind == "AWS::StepFunctions::StateMachine":
                name = props.get("StateMachineName") or _physical_name(stack, logical, 80)
                arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
                self.refs[logical] = self.arns[logical] = arn
            elif kind == "AWS::SNS::Topic":
                name = props.get("TopicName") or _physical_name(stack, logical, 256)
                self.refs[logical] = self.arns[logical] = f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"
            elif kind == "AWS::KMS::Key":
                self.refs[logical] = f"{logical.lower()}-key"
                self.arns[logical] = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{logical.lower()}-key"
            elif kind == "AWS::Lambda::LayerVersion":
                name = props.get("LayerName") or _physical_name(stack, logical)
                self.refs[logical] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{name}:1"
            elif kind == "AWS::Scheduler::ScheduleGroup":
                self.refs[logical] = props.get("Name") or _physical_name(stack, logical)
            elif kind == "AWS::IAM::ManagedPolicy":
                name = props.get("ManagedPolicyName") or _physical_name(stack, logical)
                self.refs[logical] = f"arn:aws:iam::{ACCOUNT}:policy/{name}"

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Fn::GetAtt":
                logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                if attribute == "Name" and logical in self.refs:
                    return self.refs[logical].rsplit(":", 1)[-1]
                if attribute != "Arn" or logical not in self.arns:
                    raise TemplateError(f"Fn::GetAtt {logical}.{attribute}: not an attribute the rehearsal deploys")
                return self.arns[logical]
            if key == "Fn::Join":
                sep, parts = arg
                return sep.join(str(self(p)) for p in parts)
            if key == "Fn::Select":
                index, items = arg
                return self(items)[int(index)]
            if key == "Fn::Split":
                sep, text = arg
                return str(self(text)).split(sep)
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self(arg[1]))
                return re.sub(r"\$\{([^}]+)\}", lambda m: self._sub(m.group(1), variables), text)
            if key.startswith("Fn::"):
                raise TemplateError(f"{key} is not an intrinsic the rehearsal resolves")
        return {k: self(v) for k, v in value.items()}

    def _ref(self, logical: str) -> str:
        if logical not in self.refs:
            raise TemplateError(f"Ref {logical}: no such resource or pseudo parameter")
        return self.refs[logical]

    def _sub(self, name: str, variables: dict[str, Any]) -> str:
        if name in variables:
            return str(variables[name])
        if name.endswith(".Arn"):
            return str(self({"Fn::GetAtt": [name[:-4], "Arn"]}))
        return self._ref(name)


def find_template(cdk_out: Path) -> Path:
    templates = sorted(cdk_out.glob("*.template.json"))
    if not templates:
        raise TemplateError(f"no *.template.json in {cdk_out}: run `make synth` first")
    if len(templates) > 1:
        raise TemplateError(f"{len(templates)} templates in {cdk_out}; the rehearsal deploys one stack")
    return templates[0]


def _asset(cdk_out: Path, code: dict[str, Any]) -> Path:
    key = code.get("S3Key")
    if not isinstance(key, str):
        raise TemplateError(f"code {code} is not a cdk.out file asset")
    digest = key.removesuffix(".zip")
    for candidate in (cdk_out / f"asset.{digest}", cdk_out / f"asset.{digest}.zip"):
        if candidate.exists():
            return candidate
    raise TemplateError(f"asset {digest} is not in {cdk_out}")


def read_deployment(cdk_out: Path, secret_arns: dict[str, str] | None = None) -> Deployment:
    """The deployment `cdk.out` describes. `secret_arns` gives each secret's ARN (logical id -> ARN, random
    suffix and all, as the emulator issued it); a secret without one gets a suffix-less ARN."""
    path = find_template(cdk_out)
    template = json.loads(path.read_text("utf-8"))
    stack = path.name.removesuffix(".template.json")
    resources: dict[str, Any] = template.get("Resources", {})
    arns = dict(secret_arns or {})
    for logical, resource in resources.items():
        if resource["Type"] == "AWS::SecretsManager::Secret" and logical not in arns:
            name = resource.get("Properties", {}).get("Name", logical)
            arns[logical] = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}"
    resolve = _Resolver(stack, resources, arns)
    deployment = Deployment(stack=stack)
    layers: dict[str, Layer] = {}
    for logical, resource in resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Lambda::LayerVersion":
            layers[resolve.refs[logical]] = Layer(
                logical, props.get("LayerName", logical), _asset(cdk_out, props["Content"])
            )
    for logical, resource in resources.items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::Lambda::Function":
            env = resolve(props.get("Environment", {}).get("Variables", {}))
            function = Function(
                logical_id=logical,
                name=resolve.refs[logical],
                handler=props["Handler"],
                runtime=props.get("Runtime", ""),
                memory_mb=int(props.get("MemorySize", 128)),
                timeout_s=int(props.get("Timeout", 3)),
                ephemeral_mb=int(props.get("EphemeralStorage", {}).get("Size", 512)),
                environment={k: str(v) for k, v in env.items()},
                layers=tuple(layers[resolve(ref)] for ref in props.get("Layers", [])),
                role=props["Role"]["Fn::GetAtt"][0],
                asset=_asset(cdk_out, props["Code"]),
                log_group=str(resolve(props.get("LoggingConfig", {}).get("LogGroup", f"/aws/lambda/{logical}"))),
            )
            deployment.functions[function.name] = function
        elif kind == "AWS::IAM::Role":
            deployment.roles[logical] = Role(logical, resolve.refs[logical], props["AssumeRolePolicyDocument"], {})
        elif kind == "AWS::S3::Bucket":
            deployment.buckets[logical] = resolve.refs[logical]
        elif kind in ("AWS::DynamoDB::GlobalTable", "AWS::DynamoDB::Table"):
            deployment.tables[resolve.refs[logical]] = props
        elif kind == "AWS::SecretsManager::Secret":
            deployment.secrets[props.get("Name", logical)] = logical
        elif kind == "AWS::SNS::Topic":
            deployment.topics[logical] = resolve.refs[logical].rsplit(":", 1)[-1]
    for logical, resource in resources.items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::IAM::Policy":
            document = resolve(props["PolicyDocument"])
            for ref in props.get("Roles", []):
                deployment.roles[ref["Ref"]].policies[props["PolicyName"]] = document
        elif kind == "AWS::IAM::Role":
            for inline in props.get("Policies", []):
                deployment.roles[logical].policies[inline["PolicyName"]] = resolve(inline["PolicyDocument"])
        elif kind == "AWS::StepFunctions::StateMachine":
            text = resolve(props["DefinitionString"])
            substitutions = {k: str(v) for k, v in resolve(props.get("DefinitionSubstitutions", {})).items()}
            missing = sorted(set(re.findall(r"\$\{([^}]+)\}", text)) - set(substitutions))
            if missing:
                raise TemplateError(
                    f"state machine {logical}: DefinitionString uses ${{{missing[0]}}} with no substitution"
                )
            for key, value in substitutions.items():
                text = text.replace("${" + key + "}", value)
            name = resolve.refs[logical].rsplit(":", 1)[-1]
            deployment.state_machines[name] = StateMachine(
                logical, name, json.loads(text), props["RoleArn"]["Fn::GetAtt"][0]
            )
        elif kind == "AWS::Scheduler::Schedule":
            target = resolve(props["Target"])
            deployment.schedules[props.get("Name", logical)] = Schedule(
                props.get("Name", logical), target["Arn"], target.get("Input", "{}"), target["RoleArn"]
            )
    return deployment
