"""What every cvkit Python compatibility script shares: the server it talks to, Microsoft's clients wrapped so that
each call is recorded, and the steps' report.

The test (examples/test/compat/python-sdk.test.ts) starts a fresh server for each script and runs it with Debian's
/usr/bin/python3. A script prints one JSON line per client call ({"call": ...}) and per step ({"step": ..., "ok":
...}); a failed step carries its traceback.
"""

import inspect
import json
import os
import sys
import time
import traceback

from msrest.authentication import ApiKeyCredentials
from msrest.exceptions import HttpOperationError

from azure.cognitiveservices.vision.customvision.prediction import CustomVisionPredictionClient
from azure.cognitiveservices.vision.customvision.prediction.operations import (
    CustomVisionPredictionClientOperationsMixin,
)
from azure.cognitiveservices.vision.customvision.training import CustomVisionTrainingClient
from azure.cognitiveservices.vision.customvision.training.operations import (
    CustomVisionTrainingClientOperationsMixin,
)

ENDPOINT = os.environ["CVKIT_ENDPOINT"]
TRAINING_KEY = os.environ["CVKIT_TRAINING_KEY"]
PREDICTION_KEY = os.environ["CVKIT_PREDICTION_KEY"]
# A JPEG of a blue square served over HTTP, for the *_url methods.
IMAGE_URL = os.environ.get("CVKIT_IMAGE_URL", "")
# Generated pictures: red-<i>.jpg and blue-<i>.jpg (a shade each), see the test.
IMAGES_DIR = os.environ.get("CVKIT_IMAGES_DIR", "")
DATA_DIR = os.environ.get("CVKIT_DATA_DIR", "")

MISSING = "00000000-0000-4000-8000-000000000000"
PREDICTION_RESOURCE = "/subscriptions/0/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/p"


def public_methods(mixin):
    return sorted(n for n, _ in inspect.getmembers(mixin, inspect.isfunction) if not n.startswith("_"))


TRAINING_METHODS = public_methods(CustomVisionTrainingClientOperationsMixin)
PREDICTION_METHODS = public_methods(CustomVisionPredictionClientOperationsMixin)


def emit(record):
    print(json.dumps(record), flush=True)


class Recorded:
    """A Microsoft client whose API methods report each call: method, HTTP status and, for errors, Azure's code."""

    def __init__(self, client, client_name, methods):
        self._client = client
        self._name = client_name
        self._methods = set(methods)
        self._status = None
        client.config.hooks.append(self._hook)

    def _hook(self, response, *args, **kwargs):
        self._status = response.status_code

    def __getattr__(self, attr):
        value = getattr(self._client, attr)
        if attr not in self._methods:
            return value

        def call(*args, **kwargs):
            self._status = None
            try:
                result = value(*args, **kwargs)
            except HttpOperationError as e:
                code = getattr(getattr(e, "error", None), "code", None)
                emit({"call": attr, "client": self._name, "ok": False, "status": e.response.status_code, "code": code})
                raise
            emit({"call": attr, "client": self._name, "ok": True, "status": self._status})
            return result

        return call

    @property
    def last_status(self):
        return self._status


def training_client(endpoint=ENDPOINT):
    return Recorded(
        CustomVisionTrainingClient(endpoint, ApiKeyCredentials(in_headers={"Training-key": TRAINING_KEY})),
        "python-training",
        TRAINING_METHODS,
    )


def prediction_client(endpoint=ENDPOINT):
    return Recorded(
        CustomVisionPredictionClient(endpoint, ApiKeyCredentials(in_headers={"Prediction-key": PREDICTION_KEY})),
        "python-prediction",
        PREDICTION_METHODS,
    )


def azure_error(fn, status, code):
    """Runs fn, which must fail with exactly this HTTP status and Azure error code; returns the exception."""
    try:
        fn()
    except HttpOperationError as e:
        got = (e.response.status_code, getattr(getattr(e, "error", None), "code", None))
        assert got == (status, code), f"expected {status} {code}, got {got[0]} {got[1]}: {e.response.text[:300]}"
        return e
    raise AssertionError(f"expected {status} {code}, but the call succeeded")


def until(read, done, what, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def picture(colour, i):
    with open(os.path.join(IMAGES_DIR, f"{colour}-{i}.jpg"), "rb") as f:
        return f.read()


def run_steps(steps):
    """Runs each (name, fn) in order. Steps build on each other, so after a failure (reported with its traceback) the
    rest are reported as not run. Exit status 1 if any step failed."""
    failed = None
    for name, fn in steps:
        if failed:
            emit({"step": name, "ok": False, "error": f"not run: {failed!r} failed"})
            continue
        try:
            fn()
            emit({"step": name, "ok": True})
        except Exception:  # noqa: BLE001 - every failure is reported with its traceback
            failed = name
            emit({"step": name, "ok": False, "error": traceback.format_exc()})
    emit({"methods": {"python-training": TRAINING_METHODS, "python-prediction": PREDICTION_METHODS}})
    sys.exit(1 if failed else 0)
