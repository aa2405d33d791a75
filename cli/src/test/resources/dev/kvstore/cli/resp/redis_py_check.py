# Run by RedisClientsIT with redis-py 8 (PyPI) on its default settings against a kv primary and
# one secondary: python redis_py_check.py <primary-port> <secondary-port>. Any failed check
# raises, so the exit code says it all; the printed lines say how far it got.
import sys

import redis

primary_port, secondary_port = int(sys.argv[1]), int(sys.argv[2])
r = redis.Redis(host="127.0.0.1", port=primary_port, decode_responses=True)

info = r.client_info()
print("client info:", info)
assert str(info["resp"]) == "3", info
print("resp=3")

assert r.ping() is True
assert r.set("py:a", "1") is True
assert r.set("py:b", "22") is True
assert r.get("py:a") == "1"
assert r.get("py:missing") is None
assert r.mget("py:a", "py:missing", "py:b") == ["1", None, "22"]
assert r.exists("py:a", "py:b", "py:missing") == 2
assert r.strlen("py:b") == 2
assert r.type("py:a") == "string"
assert sorted(r.keys("py:*")) == ["py:a", "py:b"]
assert sorted(r.scan_iter(match="py:*", count=1)) == ["py:a", "py:b"]
assert r.dbsize() >= 2
assert r.wait(2, 5000) == 2
assert r.info("replication")["role"] == "master"
assert r.config_get("maxclients") == {"maxclients": "10000"}
assert r.role()[0] == "master"
assert r.echo("hi") == "hi"
assert r.delete("py:a") == 1
assert r.delete("py:missing") == 0
assert r.unlink("py:b") == 1
assert r.exists("py:a", "py:b") == 0
try:
    r.execute_command("NOSUCH", "x")
    raise AssertionError("an unknown command was accepted")
except redis.ResponseError as e:
    assert str(e).startswith("unknown command 'NOSUCH', with args beginning with: 'x'"), str(e)

assert r.setnx("py:nx", "first") is True
assert r.setnx("py:nx", "second") is False
assert r.set("py:nx", "third", nx=True) is None
assert r.set("py:nx", "fourth", get=True) == "first"
assert r.incr("py:n") == 1
assert r.incrby("py:n", 9) == 10
assert r.decr("py:n") == 9
assert r.append("py:s", "ab") == 2
assert r.getdel("py:s") == "ab"
try:
    r.incr("py:nx")
    raise AssertionError("INCR of a string was accepted")
except redis.ResponseError as e:
    assert str(e) == "value is not an integer or out of range", str(e)
print("read-modify-write: ok")

with r.pipeline(transaction=False) as pipe:
    for i in range(1000):
        pipe.set(f"pypipe:{i}", f"value-{i}")
    for i in range(1000):
        pipe.get(f"pypipe:{i}")
    replies = pipe.execute()
assert replies[:1000] == [True] * 1000, replies[:5]
assert replies[1000:] == [f"value-{i}" for i in range(1000)], replies[1000:1005]
print("pipeline of 1000: ok")

assert r.mset({"py:m1": "1", "py:m2": "2"}) is True
assert r.msetnx({"py:m2": "x", "py:m3": "3"}) is False
assert r.delete("py:m1", "py:m2", "py:m3") == 2
with r.pipeline() as pipe:  # redis-py's default pipeline is a MULTI/EXEC transaction
    pipe.set("py:tx", "1").incr("py:tx").get("py:tx")
    assert pipe.execute() == [True, 2, "2"]
with r.pipeline() as pipe:
    pipe.watch("py:tx")
    redis.Redis(host="127.0.0.1", port=primary_port).set("py:tx", "rival")
    pipe.multi()
    pipe.set("py:tx", "mine")
    try:
        pipe.execute()
        raise AssertionError("a transaction on a key written after its WATCH was applied")
    except redis.WatchError:
        pass
assert r.get("py:tx") == "rival"
print("transactions: ok")

s = redis.Redis(host="127.0.0.1", port=secondary_port, decode_responses=True)
r.set("py:replicated", "x")
assert r.wait(2, 5000) == 2
assert s.get("py:replicated") == "x"
try:
    s.set("py:on-secondary", "x")
    raise AssertionError("a secondary accepted a write")
except redis.ReadOnlyError as e:
    print("secondary:", e)
assert s.get("py:on-secondary") is None
print("all checks passed")
