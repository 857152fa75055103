"""Runs the moto server with each DynamoDB operation applied atomically.

moto checks a write's condition and then applies the write without holding a lock, and its
server answers requests on several threads. Two concurrent TransactWriteItems with
attribute_not_exists on the same key can then both pass their checks, and the second silently
replaces the first: something DynamoDB never allows, and exactly what the evidence plane's
append relies on. A cancelled transaction is also applied item by item and then rolled back,
so a stream reader running meanwhile sees records that never existed, and the rollback hands
their sequence numbers to later records, which the reader then skips.

This wrapper puts one lock around every DynamoDB and DynamoDB Streams backend operation, so
conditions are evaluated and applied as one step and readers see only committed state, as in
DynamoDB. A transaction made only of Puts has every condition checked before anything is
written, so a cancelled one writes nothing (moto would copy the whole table to roll back, which
makes each transaction slower as the table grows). Arguments are moto_server's.
"""

import functools
import sys
import threading

from moto import server
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodbstreams.models import DynamoDBStreamsBackend

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


_original_transact_write_items = DynamoDBBackend.transact_write_items


def _transact_puts(self, transact_items):
    """Checks every condition, then applies every Put; other transactions go to moto as they are."""
    if not 0 < len(transact_items) <= 100 or any(
        len(item) != 1 or "Put" not in item for item in transact_items
    ):
        return _original_transact_write_items(self, transact_items)
    keys = set()
    errors = []
    for item in transact_items:
        op = item["Put"]
        table = self.get_table(op["TableName"])
        attrs = op["Item"]
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = attrs[table.range_key_attr]
        unique = (op["TableName"], str(sorted(key.items())))
        if unique in keys:
            return _original_transact_write_items(self, transact_items)
        keys.add(unique)
        condition = op.get("ConditionExpression")
        if condition is None:
            errors.append((None, None, None))
            continue
        current = self.get_item(op["TableName"], key)
        check = get_filter_expression(
            condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        )
        if check.expr(current):
            errors.append((None, None, None))
        else:
            errors.append(("ConditionalCheckFailed", "The conditional request failed", None))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)
    for item in transact_items:
        op = item["Put"]
        self.put_item(op["TableName"], op["Item"])


DynamoDBBackend.transact_write_items = _transact_puts

_STREAM_OPERATIONS = ("describe_stream", "list_streams", "get_shard_iterator", "get_records")

for _backend, _names in ((DynamoDBBackend, _OPERATIONS), (DynamoDBStreamsBackend, _STREAM_OPERATIONS)):
    for _name in _names:
        _method = getattr(_backend, _name, None)
        if callable(_method):
            setattr(_backend, _name, _serialized(_method))

if __name__ == "__main__":
    server.main(sys.argv[1:])
