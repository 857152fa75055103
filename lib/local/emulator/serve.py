"""Runs the moto server with each DynamoDB operation applied atomically.

moto checks a write's condition and then applies the write without holding a lock, and its
server answers requests on several threads. Two concurrent TransactWriteItems with
attribute_not_exists on the same key can then both pass their checks, and the second silently
replaces the first: something DynamoDB never allows, and exactly what the evidence plane's
append relies on. This wrapper puts one lock around every DynamoDB backend operation, so
conditions are evaluated and applied as one step, as in DynamoDB. Arguments are moto_server's.
"""

import functools
import sys
import threading

from moto import server
from moto.dynamodb.models import DynamoDBBackend

_LOCK = threading.RLock()

_OPERATIONS = (
    "put_item",
    "update_item",
    "delete_item",
    "get_item",
    "query",
    "scan",
    "batch_get_item",
    "batch_write_item",
    "transact_get_items",
    "transact_write_items",
    "execute_statement",
    "execute_transaction",
    "batch_execute_statement",
)


def _serialized(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _LOCK:
            return method(*args, **kwargs)

    return wrapper


for _name in _OPERATIONS:
    _method = getattr(DynamoDBBackend, _name, None)
    if callable(_method):
        setattr(DynamoDBBackend, _name, _serialized(_method))

if __name__ == "__main__":
    server.main(sys.argv[1:])
