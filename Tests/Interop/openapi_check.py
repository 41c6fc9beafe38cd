"""Validates the OpenAPI document, then JSON responses against it.

Usage: openapi_check.py SPEC MANIFEST
MANIFEST is a JSON list of {"path": template, "method": m, "status": code, "file": body file}.
Prints one line per failure and exits 1 if any; prints "checked N responses" otherwise.
"""
import json
import sys

import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

spec_path, manifest_path = sys.argv[1], sys.argv[2]
with open(spec_path, encoding="utf-8") as f:
    spec = yaml.safe_load(f)
validate(spec)

registry = Registry().with_resource("urn:spec", Resource(contents=spec, specification=DRAFT202012))


def pointer(*parts):
    return "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


failures = []
with open(manifest_path, encoding="utf-8") as f:
    manifest = json.load(f)
for item in manifest:
    operation = spec["paths"].get(item["path"], {}).get(item["method"])
    if operation is None:
        failures.append(f"{item['method']} {item['path']}: not in the document")
        continue
    response = operation["responses"].get(str(item["status"]))
    if response is None:
        failures.append(f"{item['method']} {item['path']}: status {item['status']} not documented")
        continue
    location = ["paths", item["path"], item["method"], "responses", str(item["status"])]
    if "$ref" in response:
        name = response["$ref"].split("/")[-1]
        response = spec["components"]["responses"][name]
        location = ["components", "responses", name]
    if "schema" not in response.get("content", {}).get("application/json", {}):
        failures.append(f"{item['method']} {item['path']} {item['status']}: no JSON schema")
        continue
    with open(item["file"], encoding="utf-8") as f:
        body = json.load(f)
    target = "urn:spec#/" + pointer(*location, "content", "application/json", "schema")
    validator = Draft202012Validator({"$ref": target}, registry=registry)
    for error in validator.iter_errors(body):
        failures.append(f"{item['method']} {item['path']} {item['status']}: {error.message} at {list(error.absolute_path)}")

for failure in failures:
    print(failure)
if failures:
    sys.exit(1)
print(f"checked {len(manifest)} responses")
