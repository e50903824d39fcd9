"""What every python client driver shares: the step deadline, failing with a reason, and the JSON
lines the tests read (one consumed message per line, in the same shape for every client)."""
import json
import sys

DEADLINE_S = 20
TIMEOUT_MS = DEADLINE_S * 1000


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def emit(record):
    sys.stdout.write(json.dumps(record) + "\n")


def text(value):
    return None if value is None else value.decode()


def message(partition, offset, key, value, headers, **extra):
    """A consumed message as the tests compare it: key, value and header values as text (or null)."""
    return {**extra, "partition": partition, "offset": offset, "key": text(key), "value": text(value),
            "headers": [[k, text(v)] for k, v in headers]}
