"""Runs bad-value cases through the Python API, as a Python user writes them: struct classes built from the
case's props (camelCase keys, as in TypeScript, turned into the snake_case keywords the classes take, with the
struct class of each place read from the classes' type hints). Reads {"base": props, "cases": [{"id", "path",
"value"}]} on stdin; prints one JSON line per case: {"id", "type", "message"} ("ok" when nothing was raised).

Markers in props: {"$duration": seconds} is Duration.seconds(seconds); {"$python": {...}} is
AgentRuntime.python(...); {"$podsInNamespace": [namespace, labels]} is NetworkPeer.pods_in_namespace(...)."""
import collections.abc
import copy
import json
import re
import sys
import typing

from cdk8s import App, Chart, Duration
import cdk8s_mcp_mesh as mesh


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def is_struct(cls) -> bool:
    """jsii's struct classes carry their keyword-to-property mapping."""
    return isinstance(cls, type) and hasattr(cls, "__jsii_name_mapping__")


def convert(value, hint):
    if isinstance(value, dict) and "$duration" in value:
        return Duration.seconds(value["$duration"])
    if isinstance(value, dict) and "$podsInNamespace" in value:
        return mesh.NetworkPeer.pods_in_namespace(*value["$podsInNamespace"])
    if isinstance(value, dict) and "$python" in value:
        return mesh.AgentRuntime.python(**{snake(k): v for k, v in value["$python"].items()})
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Union:
        if isinstance(value, dict):
            for arg in args:
                if is_struct(arg):
                    return build(arg, value)
        if isinstance(value, list):
            for arg in args:
                if typing.get_origin(arg) is collections.abc.Sequence:
                    return convert(value, arg)
        return value
    if origin is not None and isinstance(value, list) and args:
        return [convert(item, args[0]) for item in value]
    if is_struct(hint) and isinstance(value, dict):
        return build(hint, value)
    return value


def kwargs_of(cls, props: dict) -> dict:
    hints = typing.get_type_hints(cls.__init__)
    keyword = {prop: kw for kw, prop in getattr(cls, "__jsii_name_mapping__", {}).items()}
    return {keyword.get(k, snake(k)): convert(v, hints.get(keyword.get(k, snake(k)), typing.Any)) for k, v in props.items()}


def build(cls, props: dict):
    return cls(**kwargs_of(cls, props))


def set_path(props, path, value):
    target = props
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def main():
    request = json.load(sys.stdin)
    for case in request["cases"]:
        props = copy.deepcopy(request["base"])
        set_path(props, case["path"], case["value"])
        try:
            chart = Chart(App(outdir="/nonexistent"), "test", disable_resource_name_hashes=True)
            mesh.McpMesh(chart, "Mesh", **kwargs_of(mesh.McpMeshProps, props))
            result = {"type": "ok", "message": ""}
        except Exception as error:  # every error is reported, whatever its class
            result = {"type": type(error).__name__, "message": str(error)}
        print(json.dumps({"id": case["id"], **result}), flush=True)


if __name__ == "__main__":
    main()
