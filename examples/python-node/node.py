#!/usr/bin/env python3
"""A qnet hospital node in Python, written from docs/protocol.md alone.

It takes run-queries from its RabbitMQ queue, counts its synthetic patients, and answers with
the whole lifecycle of its result as proposed states (receivedByNode, sometimes queuedAtNode,
running with progress, completed with an obfuscated count), each the next itemVersion, published
persistent and confirmed. It beats every QNET_HEARTBEAT_MS, dead-letters what it cannot read,
and stops on SIGTERM or SIGINT. Debian's python3-pika and the standard library only.

It keeps no record on disk: a run-query stays unacknowledged until its result is final, so a
node that stops or crashes mid-way gets it back from the broker and starts it over; the hub
resolves the repeated versions (docs/protocol.md section 3).
"""

import json
import math
import os
import random
import re
import signal
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional
from urllib.parse import unquote, urlparse

import pika
import pika.exceptions

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024
NODE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
PREFIX = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
UUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$")
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
CONCEPT = re.compile(r"^[a-z]{1,16}:[A-Za-z0-9._-]{1,100}$")
STATUSES = {"created", "sentToNode", "receivedByNode", "queuedAtNode", "running", "timedOut", "failed", "completed"}
# SHRINE's count obfuscation (docs/protocol.md section 2).
OBFUSCATION = {"binSize": 5, "stdDev": 6.5, "noiseClamp": 10, "lowLimit": 10}
# Headers RabbitMQ adds when it dead-letters or counts deliveries: not ours to carry on.
BROKER_HEADER = re.compile(r"^x-(delivery-count|death|first-death-|last-death-)")
REASON_HEADER = "x-qnet-reason"
# message ids are name-based UUIDs in this namespace, so a resend of a proposal carries the same one.
MESSAGE_IDS = uuid.UUID("5b0c7c1e-8f7a-4d8e-9a51-3a1f0f6d2c40")


def log(event: str, **fields: Any) -> None:
    """One line per event: the time, the event, then key=value pairs."""
    stamp = datetime.now(timezone.utc).strftime("%H:%M:%S.%f")[:-3]
    print(" ".join([stamp, event] + [f"{k}={v}" for k, v in fields.items()]), flush=True)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- configuration: the environment of docs/protocol.md section 7 ------------------------------


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Config:
    node_id: str
    prefix: str
    amqp_url: str
    heartbeat_s: float
    population: int
    seed: str
    time_scale: float
    prefetch: int
    connect_retries: int


def read_config(env: dict) -> Config:
    def value(name: str, default: Optional[str] = None) -> Optional[str]:
        v = env.get(name, "")
        return v if v != "" else default

    def number(name: str, default: str, low: float, high: float, whole: bool = True) -> float:
        text = value(name, default) or default
        try:
            n = int(text) if whole else float(text)
        except ValueError:
            raise ConfigError(f"{name}: must be a {'whole ' if whole else ''}number, not {text!r}")
        if not low <= n <= high:
            raise ConfigError(f"{name}: must be within {low}..{high}")
        return n

    node_id = value("QNET_NODE_ID")
    if node_id is None or not NODE_ID.match(node_id):
        raise ConfigError("QNET_NODE_ID: required, must match ^[a-z0-9][a-z0-9-]{0,62}$")
    prefix = value("QNET_PREFIX", "qnet")
    if not PREFIX.match(prefix):
        raise ConfigError("QNET_PREFIX: must match ^[a-z0-9][a-z0-9_-]{0,39}$")
    amqp_url = value("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672")
    if urlparse(amqp_url).scheme not in ("amqp", "amqps"):
        raise ConfigError("AMQP_URL: must be an amqp:// or amqps:// URL")
    return Config(
        node_id=node_id,
        prefix=prefix,
        amqp_url=amqp_url,
        heartbeat_s=number("QNET_HEARTBEAT_MS", "5000", 100, 3_600_000) / 1000,
        population=int(number("QNET_NODE_POPULATION", "20000", 10, 1_000_000)),
        seed=value("QNET_NODE_SEED", node_id),
        time_scale=number("QNET_NODE_TIME_SCALE", "1", 0.001, 100, whole=False),
        prefetch=int(number("QNET_PREFETCH", "16", 1, 10_000)),
        connect_retries=int(number("QNET_CONNECT_RETRIES", "10", 0, 1000)),
    )


# --- the site: synthetic patients, counting, obfuscation ----------------------------------------

# (concept, share of patients, only this sex, only from this age); rx:metformin follows dx:E11.9.
VOCABULARY = [
    ("dx:I10", 0.30, None, 30),
    ("dx:E78.5", 0.22, None, 30),
    ("dx:E11.9", 0.09, None, 25),
    ("dx:E10.9", 0.005, None, 0),
    ("dx:J45.909", 0.08, None, 0),
    ("dx:F32.9", 0.07, None, 12),
    ("dx:N40.0", 0.10, "M", 50),
    ("dx:O80", 0.04, "F", 16),
    ("lab:4548-4", 0.15, None, 18),
]


@dataclass(frozen=True)
class Patient:
    age: int
    sex: str
    concepts: frozenset


def make_population(size: int, seed: str) -> list:
    draw = random.Random(f"{seed}:population")
    patients = []
    for _ in range(size):
        age, sex = draw.randint(0, 95), draw.choice("FM")
        concepts = {
            c for c, share, only_sex, from_age in VOCABULARY if only_sex in (None, sex) and age >= from_age and draw.random() < share
        }
        if "dx:E11.9" in concepts and draw.random() < 0.7:
            concepts.add("rx:metformin")
        patients.append(Patient(age, sex, frozenset(concepts)))
    return patients


def matches(patient: Patient, definition: dict) -> bool:
    """Panels ANDed, concepts ORed within a panel, a negated panel excluded; then age and sex."""
    for panel in definition["panels"]:
        if any(c in patient.concepts for c in panel["concepts"]) == bool(panel.get("not", False)):
            return False
    age = definition.get("age") or {}
    if "min" in age and patient.age < age["min"] or "max" in age and patient.age > age["max"]:
        return False
    return definition.get("sex") in (None, patient.sex)


def round_to_bin(n: float) -> int:
    size = OBFUSCATION["binSize"]
    return int(math.floor(n / size + 0.5)) * size


def obfuscate(true_count: int, seed: str) -> int:
    """-1 at or under the limits; else binned, clamped Gaussian noise, binned again. The noise is
    drawn from the site's seed and the true count, so asking again gives the very same count."""
    clamp, low = OBFUSCATION["noiseClamp"], OBFUSCATION["lowLimit"]
    if true_count <= clamp or true_count <= low:
        return -1
    noise = random.Random(f"{seed}:obfuscation:{true_count}").gauss(0, OBFUSCATION["stdDev"])
    blurred = round_to_bin(round_to_bin(true_count) + max(-clamp, min(clamp, noise)))
    return -1 if blurred <= low else blurred


# --- reading a run-query (docs/protocol.md section 4) -------------------------------------------


class Unreadable(Exception):
    """Why a delivery cannot be used: the reason its dead letter carries."""


def is_int(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())


def need(ok: bool, path: str, what: str) -> None:
    if not ok:
        raise Unreadable(f"invalid run-query: {path}: {what}")


def check_text(v: Any, path: str, low: int, high: int) -> None:
    need(isinstance(v, str) and low <= len(v) <= high and "\0" not in v, path, f"must be text of {low} to {high} characters, no NUL")


def check_pattern(v: Any, pattern: re.Pattern, path: str, what: str) -> None:
    need(isinstance(v, str) and pattern.match(v) is not None, path, what)


def check_uuid(v: Any, path: str) -> None:
    check_pattern(v, UUID_TEXT, path, "must be a UUID")


def check_time(v: Any, path: str) -> None:
    check_pattern(v, ISO_UTC, path, "must be an ISO-8601 UTC timestamp")


def check_version_info(v: Any, path: str) -> None:
    need(isinstance(v, dict), path, "must be an object")
    if v.get("protocolVersion") != PROTOCOL_VERSION:
        raise Unreadable(f"unsupported protocolVersion {json.dumps(v.get('protocolVersion'))} (this node speaks {PROTOCOL_VERSION})")
    need(is_int(v.get("itemVersion")) and 1 <= v["itemVersion"] <= 2**53 - 1, f"{path}.itemVersion", "must be an integer >= 1")
    for key in ("createDate", "changeDate"):
        check_time(v.get(key), f"{path}.{key}")


def check_definition(d: Any, path: str) -> None:
    need(isinstance(d, dict), path, "must be an object")
    panels = d.get("panels")
    need(isinstance(panels, list) and 1 <= len(panels) <= 32, f"{path}.panels", "must hold 1 to 32 panels")
    for i, panel in enumerate(panels):
        need(isinstance(panel, dict), f"{path}.panels.{i}", "must be an object")
        concepts = panel.get("concepts")
        need(isinstance(concepts, list) and 1 <= len(concepts) <= 64, f"{path}.panels.{i}.concepts", "must hold 1 to 64 concepts")
        for j, c in enumerate(concepts):
            check_pattern(c, CONCEPT, f"{path}.panels.{i}.concepts.{j}", 'must look like "dx:E11.9"')
            need(len(c) <= 128, f"{path}.panels.{i}.concepts.{j}", "must be at most 128 characters")
        need(isinstance(panel.get("not", False), bool), f"{path}.panels.{i}.not", "must be a boolean")
    need(any(not p.get("not", False) for p in panels), f"{path}.panels", "at least one panel must not be negated")
    age = d.get("age")
    if age is not None:
        need(isinstance(age, dict), f"{path}.age", "must be an object")
        for key in ("min", "max"):
            need(key not in age or (is_int(age[key]) and 0 <= age[key] <= 150), f"{path}.age.{key}", "must be an integer 0..150")
        need(age.get("min", 0) <= age.get("max", 150), f"{path}.age", "age.min must be <= age.max")
    need(d.get("sex") in (None, "F", "M"), f"{path}.sex", "must be F or M")


def read_run_query(body: bytes, node_id: str) -> dict:
    """The run-query in a delivery, checked as docs/protocol.md section 4 says; unknown fields are ignored."""
    if len(body) > MAX_MESSAGE_BYTES:
        raise Unreadable(f"message of {len(body)} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit")
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise Unreadable(f"not UTF-8 JSON: {e}")
    if not isinstance(message, dict):
        raise Unreadable("not a JSON object")
    kind = message.get("type")
    if kind != "run-query":
        known = kind in ("result-update", "node-heartbeat")
        raise Unreadable(f"a node takes run-query messages only, not {kind}" if known else f"unknown message type {json.dumps(kind)[:80]}")
    check_uuid(message.get("messageId"), "messageId")
    check_time(message.get("sentAt"), "sentAt")
    query, result = message.get("query"), message.get("result")
    need(isinstance(query, dict), "query", "must be an object")
    need(isinstance(result, dict), "result", "must be an object")
    check_uuid(query.get("id"), "query.id")
    check_version_info(query.get("versionInfo"), "query.versionInfo")
    check_text(query.get("researcherId"), "query.researcherId", 1, 200)
    check_definition(query.get("definition"), "query.definition")
    check_time(query.get("submittedAt"), "query.submittedAt")
    check_uuid(result.get("queryId"), "result.queryId")
    check_pattern(result.get("nodeId"), NODE_ID, "result.nodeId", "must be a node id")
    need(result.get("id") == f"{result['queryId']}:{result['nodeId']}", "result.id", 'must be "<queryId>:<nodeId>"')
    check_version_info(result.get("versionInfo"), "result.versionInfo")
    need(result.get("status") in STATUSES, "result.status", "unknown status")
    # What makes a well-formed run-query this node's to run.
    if result["nodeId"] != node_id:
        raise Unreadable(f"run-query for node {result['nodeId']} reached node {node_id}")
    if result["queryId"] != query["id"]:
        raise Unreadable(f"run-query result names query {result['queryId']} but carries query {query['id']}")
    if result["status"] != "sentToNode":
        raise Unreadable(f"run-query result must be sentToNode, not {result['status']}")
    return message


# --- the lifecycle of one result -----------------------------------------------------------------


@dataclass
class Step:
    delay_s: float
    status: str
    fields: dict = field(default_factory=dict)


def plan(result_id: str, seed: str, count: int, scale: float) -> list:
    """receivedByNode, sometimes queuedAtNode, running from progress 0 up, completed: with delays of its own."""
    draw = random.Random(f"{seed}:lifecycle:{result_id}")
    steps = [Step(draw.uniform(0.05, 0.3), "receivedByNode")]
    if draw.random() < 0.3:
        steps.append(Step(draw.uniform(0.1, 0.5), "queuedAtNode"))
        steps.append(Step(draw.uniform(0.5, 2.0), "running", {"progress": 0}))
    else:
        steps.append(Step(draw.uniform(0.1, 0.5), "running", {"progress": 0}))
    run_s, reached = draw.uniform(1.0, 3.0), 0.0
    for mark in sorted({round(draw.uniform(0.05, 0.95), 2) for _ in range(draw.randint(1, 3))}):
        steps.append(Step(run_s * (mark - reached), "running", {"progress": mark}))
        reached = mark
    steps.append(Step(run_s * (1 - reached), "completed", {"count": count, "obfuscation": dict(OBFUSCATION)}))
    return [Step(s.delay_s * scale, s.status, s.fields) for s in steps]


def next_state(previous: dict, step: Step) -> dict:
    """The next version of the state before it: same item, same createDate, changed now."""
    info = previous["versionInfo"]
    state = {
        "id": previous["id"],
        "queryId": previous["queryId"],
        "nodeId": previous["nodeId"],
        "versionInfo": {
            "protocolVersion": PROTOCOL_VERSION,
            "itemVersion": info["itemVersion"] + 1,
            "createDate": info["createDate"],
            "changeDate": now_iso(),
        },
        "status": step.status,
    }
    state.update(step.fields)
    return state


@dataclass
class Run:
    """One result this node is answering, and the run-query it holds unacknowledged until then."""

    delivery_tag: int
    state: dict
    steps: list


# --- the node ------------------------------------------------------------------------------------


class Node:
    def __init__(self, config: Config) -> None:
        self.config = config
        p = config.prefix
        self.queries, self.results, self.dead = f"{p}.queries", f"{p}.results", f"{p}.dead"
        self.queue = f"{p}.node.{config.node_id}"
        self.user = unquote(urlparse(config.amqp_url).username or "guest")
        self.patients = make_population(config.population, config.seed)
        self.runs: dict = {}
        self.finished: set = set()
        self.stopping = False
        self.connection: Optional[pika.BlockingConnection] = None
        self.channel = None
        self.consumer_tag: Optional[str] = None

    def connect(self) -> None:
        """Connects, retrying with backoff; gives up after QNET_CONNECT_RETRIES, naming the broker."""
        params = pika.URLParameters(self.config.amqp_url)
        params.client_properties = {"connection_name": f"python-node {self.config.node_id}"}
        where = urlparse(self.config.amqp_url)
        for attempt in range(self.config.connect_retries + 1):
            try:
                self.connection = pika.BlockingConnection(params)
                return
            except pika.exceptions.AMQPConnectionError as e:
                if attempt == self.config.connect_retries or self.stopping:
                    raise SystemExit(f"RabbitMQ at {where.hostname}:{where.port or 5672} could not be reached: {e!r}")
                time.sleep(min(0.5 * 2**attempt, 5.0))

    def queue_exists(self, name: str) -> bool:
        """A passive declare on a throwaway channel: the broker closes it with 404 when the queue is missing."""
        probe = self.connection.channel()
        try:
            probe.queue_declare(name, passive=True)
            probe.close()
            return True
        except pika.exceptions.ChannelClosedByBroker as e:
            if e.reply_code == 404:
                return False
            raise

    def declare(self) -> None:
        """docs/protocol.md section 5: the exchanges; the dead queue and its own queue only if missing."""
        ch = self.channel
        ch.exchange_declare(self.queries, exchange_type="topic", durable=True)
        ch.exchange_declare(self.results, exchange_type="topic", durable=True)
        ch.exchange_declare(self.dead, exchange_type="fanout", durable=True)
        work = {"x-queue-type": "quorum", "x-dead-letter-exchange": self.dead, "x-delivery-limit": 9}
        for queue, arguments in ((self.dead, {"x-queue-type": "quorum"}), (self.queue, work)):
            if not self.queue_exists(queue):
                ch.queue_declare(queue, durable=True, arguments=arguments)
        ch.queue_bind(self.dead, self.dead, routing_key="")
        ch.queue_bind(self.queue, self.queries, routing_key=f"query.{self.config.node_id}")

    def start(self) -> None:
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        self.declare()
        self.channel.basic_qos(prefetch_count=self.config.prefetch)
        self.consumer_tag = self.channel.basic_consume(self.queue, on_message_callback=self.on_delivery, auto_ack=False)
        self.heartbeat()
        log("node ready", nodeId=self.config.node_id, queue=self.queue, patients=len(self.patients))

    def run(self) -> None:
        while not self.stopping:
            self.connection.process_data_events(time_limit=0.2)

    def stop(self) -> None:
        """Stops consuming and closes: run-queries still held go back to the queue and start over next time."""
        if self.channel is not None and self.channel.is_open and self.consumer_tag is not None:
            self.channel.basic_cancel(self.consumer_tag)
        if self.connection is not None and self.connection.is_open:
            self.connection.close()
        log("node stopped", unfinished=len(self.runs), answered=len(self.finished))

    def publish(self, exchange: str, routing_key: str, message_id: str, body: bytes, headers: Optional[dict] = None) -> None:
        """Persistent, mandatory, and confirmed: returns once the broker has the message, raises if it refused it."""
        properties = pika.BasicProperties(
            content_type="application/json",
            delivery_mode=2,
            message_id=message_id,
            user_id=self.user,
            headers=headers,
        )
        self.channel.basic_publish(exchange, routing_key, body, properties=properties, mandatory=True)

    def later(self, delay_s: float, callback: Callable[[], None]) -> None:
        self.connection.call_later(max(0.0, delay_s), callback)

    def on_delivery(self, channel, method, properties, body: bytes) -> None:
        try:
            message = read_run_query(body, self.config.node_id)
        except Unreadable as e:
            self.dead_letter(method, properties, body, str(e))
            return
        result = message["result"]
        if result["id"] in self.runs or result["id"] in self.finished:
            # A copy of a run-query taken on already: acknowledged, not started again.
            channel.basic_ack(method.delivery_tag)
            return
        true_count = sum(1 for p in self.patients if matches(p, message["query"]["definition"]))
        count = obfuscate(true_count, self.config.seed)
        run = Run(method.delivery_tag, result, plan(result["id"], self.config.seed, count, self.config.time_scale))
        self.runs[result["id"]] = run
        log("run-query", result=result["id"], steps=len(run.steps))
        self.advance(run)

    def advance(self, run: Run) -> None:
        """Waits for the next step, then proposes its state."""
        if not run.steps:
            return
        step = run.steps.pop(0)
        self.later(step.delay_s, lambda: self.propose(run, next_state(run.state, step)))

    def propose(self, run: Run, state: dict, attempt: int = 1) -> None:
        if self.stopping:
            return
        info = state["versionInfo"]
        message_id = str(uuid.uuid5(MESSAGE_IDS, f"{state['id']}:{info['itemVersion']}:{state['status']}:{info['changeDate']}"))
        message = {"type": "result-update", "messageId": message_id, "sentAt": now_iso(), "nodeId": self.config.node_id, "result": state}
        body = json.dumps(message, separators=(",", ":")).encode("utf-8")
        try:
            self.publish(self.results, f"result.{self.config.node_id}", message_id, body)
        except (pika.exceptions.NackError, pika.exceptions.UnroutableError) as e:
            # The same state again, the same messageId: at worst the hub sees a duplicate.
            delay = min(0.5 * 2**attempt, 30.0)
            log("result-update not confirmed; resending", result=state["id"], itemVersion=info["itemVersion"], err=type(e).__name__)
            self.later(delay, lambda: self.propose(run, state, attempt + 1))
            return
        run.state = state
        if state["status"] == "completed":
            self.channel.basic_ack(run.delivery_tag)
            del self.runs[state["id"]]
            self.finished.add(state["id"])
            log("completed", result=state["id"], itemVersion=info["itemVersion"], count=state["count"])
        else:
            self.advance(run)

    def heartbeat(self) -> None:
        """Liveness for the dashboard; a lost one is replaced by the next, so it is not resent."""
        if self.stopping:
            return
        message_id = str(uuid.uuid4())
        message = {
            "type": "node-heartbeat",
            "messageId": message_id,
            "sentAt": now_iso(),
            "nodeId": self.config.node_id,
            "activeQueries": len(self.runs),
        }
        try:
            self.publish(self.results, f"heartbeat.{self.config.node_id}", message_id, json.dumps(message).encode("utf-8"))
        except (pika.exceptions.NackError, pika.exceptions.UnroutableError) as e:
            log("heartbeat not published", err=type(e).__name__)
        self.later(self.config.heartbeat_s, self.heartbeat)

    def dead_letter(self, method, properties, body: bytes, reason: str) -> None:
        """The original body to <p>.dead with the reason and its origin as routing key, then acknowledged."""
        headers = {k: v for k, v in (properties.headers or {}).items() if not BROKER_HEADER.match(k) and k != REASON_HEADER}
        headers[REASON_HEADER] = reason[:1000]
        message_id = properties.message_id or f"{self.queue}:{method.delivery_tag}"
        self.publish(self.dead, method.routing_key, message_id, body, headers)
        self.channel.basic_ack(method.delivery_tag)
        log("dead-lettered", messageId=message_id, reason=json.dumps(reason))


def main() -> int:
    try:
        config = read_config(dict(os.environ))
    except ConfigError as e:
        print(f"python-node: invalid configuration: {e}", file=sys.stderr)
        return 2
    node = Node(config)

    def request_stop(signum, _frame) -> None:
        log("stopping", signal=signal.Signals(signum).name)
        node.stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        node.connect()
        if not node.stopping:
            node.start()
            node.run()
        node.stop()
    except pika.exceptions.AMQPError as e:
        # A lost connection: what this node held goes back to its queue; a supervisor starts it again.
        print(f"python-node: broker connection failed: {e!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
