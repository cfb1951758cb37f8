"""Emulated AWS on 127.0.0.1: moto's server, behind a front door that records and checks every call.

Functions reach it through the standard `AWS_ENDPOINT_URL`. The front door reads each request's SigV4
credential (which role's session is calling), the service and the action (X-Amz-Target for the JSON
protocols, the REST method and path for S3, `Action=` for the query protocols) and the resource (table,
secret, bucket/key, model), evaluates the action on the resource against the calling role's policies from
the template, records the call, and answers AccessDenied itself when the role does not allow it. The policy
evaluation is moto's own IAM evaluator (`moto.iam.access_control.IAMPolicy`: Allow/Deny, wildcards in actions
and resources). moto's own server-side enforcement stays off: it checks Secrets Manager and DynamoDB calls
against resource `*`, which would deny correctly scoped grants. Calls to services moto does not serve here go to the
handlers given (Bedrock Runtime to its double, Step Functions to the rehearsal's executor).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import httpx

from rehearsal.template import ACCOUNT, REGION, Deployment

_CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass
class Call:
    principal: str  # the function (or "rehearsal" for setup/backend calls)
    service: str
    action: str  # e.g. dynamodb:PutItem
    resource: str
    allowed: bool
    status: int = 0


#: A handler for a service moto does not serve: (method, path, headers, body) -> (status, headers, body).
ServiceHandler = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


def _s3_action(method: str, path: str, query: dict[str, list[str]]) -> tuple[str, str]:
    bucket, _, key = unquote(path.lstrip("/")).partition("/")
    if not key:
        if method == "GET" and ("list-type" in query or not query):
            return "s3:ListBucket", f"arn:aws:s3:::{bucket}"
        return f"s3:{'ListBucket' if method in ('GET', 'HEAD') else 'CreateBucket'}", f"arn:aws:s3:::{bucket}"
    resource = f"arn:aws:s3:::{bucket}/{key}"
    if method in ("GET", "HEAD"):
        return "s3:GetObject", resource
    if method in ("PUT", "POST"):
        return ("s3:AbortMultipartUpload" if "uploadId" in query and method == "DELETE" else "s3:PutObject"), resource
    if method == "DELETE":
        return ("s3:AbortMultipartUpload" if "uploadId" in query else "s3:DeleteObject"), resource
    return f"s3:{method}", resource


def describe_call(
    method: str, path: str, headers: dict[str, str], body: bytes, secrets: dict[str, str]
) -> tuple[str, str, str]:
    """(service, action, resource) of one signed AWS request."""
    match = _CREDENTIAL.search(headers.get("authorization", ""))
    service = match.group(3) if match else "unknown"
    parts = urlsplit(path)
    query = parse_qs(parts.query, keep_blank_values=True)
    if service == "s3":
        action, resource = _s3_action(method, parts.path, query)
        return service, action, resource
    target = headers.get("x-amz-target", "")
    data: dict[str, Any] = {}
    if target:
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        operation = target.rsplit(".", 1)[-1]
        prefix = {"dynamodb": "dynamodb", "secretsmanager": "secretsmanager", "states": "states", "logs": "logs"}.get(
            service, service
        )
        action = f"{prefix}:{operation}"
        if service == "dynamodb":
            return service, action, f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{data.get('TableName', '*')}"
        if service == "secretsmanager":
            secret = str(data.get("SecretId", "*"))
            return service, action, secrets.get(secret, secret)
        if service == "states":
            arn = data.get("stateMachineArn") or data.get("executionArn") or "*"
            return service, action, str(arn)
        return service, action, "*"
    if service == "bedrock":
        model = unquote(parts.path.split("/model/", 1)[-1].split("/", 1)[0])
        if model.startswith("arn:"):
            return service, "bedrock:InvokeModel", model
        kind = "inference-profile" if re.match(r"^(us|eu|apac|global)\.", model) else "foundation-model"
        account = ACCOUNT if kind == "inference-profile" else ""
        return service, "bedrock:InvokeModel", f"arn:aws:bedrock:{REGION}:{account}:{kind}/{model}"
    form = parse_qs(body.decode("utf-8", "replace")) if body else query
    operation = (form.get("Action") or ["?"])[0]
    return service, f"{service}:{operation}", "*"


def is_allowed(policies: list[dict[str, Any]], action: str, resource: str) -> bool:
    """IAM's rule: allowed if some statement allows it and none denies it (moto's evaluator per policy)."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    results = [IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource) for policy in policies]
    return PermissionResult.PERMITTED in results and PermissionResult.DENIED not in results


class EmulatedAws:
    """moto's server plus the checking front door; `endpoint` is the AWS_ENDPOINT_URL to give functions."""

    def __init__(self, deployment: Deployment, handlers: dict[str, ServiceHandler] | None = None) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request line

        self.deployment = deployment
        self.handlers = handlers or {}
        self.calls: list[Call] = []
        self.principals: dict[str, str] = {}  # access key id -> function name
        self.policies: dict[str, list[dict[str, Any]]] = {}  # function name -> its role's policy documents
        self.secret_arns: dict[str, str] = {}  # name or ARN -> ARN
        self._lock = threading.Lock()
        self._setting_up = True
        self.admin: dict[str, str] = {}
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        self._http = httpx.Client(base_url=self.moto_url, timeout=60.0)
        front = self

        class Door(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, data = front.handle(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                        self.send_header(key, value)
                # A HEAD answer has no body but the object's length: pass moto's through.
                upstream = {k.lower(): v for k, v in headers.items()}.get("content-length", "0")
                self.send_header("Content-Length", upstream if self.command == "HEAD" else str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: calls are recorded as (function, action, resource), never with bodies."""

        self._door = ThreadingHTTPServer(("127.0.0.1", 0), Door)
        self._door.daemon_threads = True
        threading.Thread(target=self._door.serve_forever, name="aws-front-door", daemon=True).start()
        self.endpoint = f"http://127.0.0.1:{self._door.server_address[1]}"

    def client(self, service: str, **credentials: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=credentials.get("AWS_ACCESS_KEY_ID", self.admin.get("AWS_ACCESS_KEY_ID", "setup")),
            aws_secret_access_key=credentials.get(
                "AWS_SECRET_ACCESS_KEY", self.admin.get("AWS_SECRET_ACCESS_KEY", "setup")
            ),
            aws_session_token=credentials.get("AWS_SESSION_TOKEN"),
        )

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        lowered = {k.lower(): v for k, v in headers.items()}
        service, action, resource = describe_call(method, path, lowered, body, self.secret_arns)
        match = _CREDENTIAL.search(lowered.get("authorization", ""))
        key = match.group(1) if match else ""
        principal = self.principals.get(key, "rehearsal" if self._setting_up else f"unknown key {key!r}")
        allowed = principal == "rehearsal" or is_allowed(self.policies.get(principal, []), action, resource)
        call = Call(principal, service, action, resource, allowed)
        with self._lock:
            self.calls.append(call)
        if not allowed:
            call.status = 403
            message = f"User: {principal} is not authorized to perform: {action} on resource: {resource}"
            if service == "s3":
                xml = f"<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"
                return 403, {"Content-Type": "application/xml"}, xml.encode()
            error = {"__type": "AccessDeniedException", "message": message, "Message": message}
            return (
                400 if service in ("dynamodb",) else 403,
                {"Content-Type": "application/x-amz-json-1.0"},
                json.dumps(error).encode(),
            )
        if service in self.handlers:
            status, out_headers, data = self.handlers[service](method, path, lowered, body)
        else:
            response = self._http.request(method, path, headers=headers, content=body)
            status, out_headers, data = response.status_code, dict(response.headers), response.content
        call.status = status
        return status, out_headers, data

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    # --- setup -------------------------------------------------------------------------------------

    def create_secrets(self, secret_values: dict[str, Any]) -> dict[str, str]:
        """The template's secrets, first: CloudFormation's Ref of a secret is its ARN, random suffix and all,
        which the policies then name. Returns logical id -> ARN."""
        secrets = self.client("secretsmanager")
        arns = {}
        for name, logical in self.deployment.secrets.items():
            arn = secrets.create_secret(Name=name, SecretString=json.dumps(secret_values))["ARN"]
            self.secret_arns[name] = self.secret_arns[arn] = arns[logical] = arn
        return arns

    def deploy(self) -> dict[str, dict[str, str]]:
        """Create the template's buckets, tables and roles; returns each function's credentials (AssumeRole
        on its own role). From then on every call is checked against the calling role at the front door."""
        s3 = self.client("s3")
        for bucket in self.deployment.buckets.values():
            s3.create_bucket(Bucket=bucket)
        dynamodb = self.client("dynamodb")
        for table, props in self.deployment.tables.items():
            dynamodb.create_table(
                TableName=table,
                AttributeDefinitions=props["AttributeDefinitions"],
                KeySchema=props["KeySchema"],
                BillingMode=props.get("BillingMode", "PAY_PER_REQUEST"),
            )
        iam, sts = self.client("iam"), self.client("sts")
        credentials: dict[str, dict[str, str]] = {}
        for function in self.deployment.functions.values():
            role = self.deployment.roles[function.role]
            iam.create_role(RoleName=role.name, AssumeRolePolicyDocument=json.dumps(role.trust))
            for policy_name, document in role.policies.items():
                iam.put_role_policy(RoleName=role.name, PolicyName=policy_name, PolicyDocument=json.dumps(document))
            found = sts.assume_role(RoleArn=role.arn, RoleSessionName=function.name)["Credentials"]
            credentials[function.name] = {
                "AWS_ACCESS_KEY_ID": found["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": found["SecretAccessKey"],
                "AWS_SESSION_TOKEN": found["SessionToken"],
            }
            self.principals[found["AccessKeyId"]] = function.name
            self.policies[function.name] = list(role.policies.values())
        iam.create_user(UserName="rehearsal")
        admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        iam.put_user_policy(UserName="rehearsal", PolicyName="rehearsal-admin", PolicyDocument=json.dumps(admin))
        key = iam.create_access_key(UserName="rehearsal")["AccessKey"]
        self.admin = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
        self.principals[key["AccessKeyId"]] = "rehearsal"
        self._setting_up = False
        return credentials

    def close(self) -> None:
        self._door.shutdown()
        self._door.server_close()
        self._http.close()
        self._moto.stop()
