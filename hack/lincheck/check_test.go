package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// The checker is only worth running if it can say no: each illegal history below is one a store
// with a known kind of bug would produce, and each must be reported.

func s(v string) *string { return &v }

func put(client, key, value string, call, ret int64) Record {
	return Record{Client: client, Op: "put", Key: key, Value: value, Call: call, Return: ret, Outcome: "ok"}
}

func get(client, key string, result *string, call, ret int64) Record {
	return Record{Client: client, Op: "get", Key: key, Result: result, Call: call, Return: ret, Outcome: "ok"}
}

func check(t *testing.T, records []Record) Verdict {
	t.Helper()
	return Check(records, 10*time.Second, filepath.Join(t.TempDir(), "history.html"))
}

func expect(t *testing.T, records []Record, want porcupine.CheckResult) {
	t.Helper()
	if verdict := check(t, records); verdict.Result != want {
		t.Fatalf("want %s, got %s", want, verdict.Summary())
	}
}

func TestAStaleReadAfterAnAcknowledgedOverwriteIsIllegal(t *testing.T) {
	expect(t, []Record{
		put("a", "k", "1", 0, 10),
		put("a", "k", "2", 20, 30),
		get("b", "k", s("1"), 40, 50), // a deposed primary answering from before the overwrite
	}, porcupine.Illegal)
}

func TestTheKeysThatAreNotLinearizableAreNamed(t *testing.T) {
	verdict := check(t, []Record{put("a", "x", "1", 0, 10), get("b", "x", s("1"), 20, 30), put("a", "y", "1", 0, 10), get("b", "y", nil, 20, 30)})
	if verdict.Result != porcupine.Illegal || len(verdict.IllegalKeys) != 1 || verdict.IllegalKeys[0] != "y" {
		t.Fatalf("want Illegal on [y], got %s", verdict.Summary())
	}
}

func TestALostAcknowledgedWriteIsIllegal(t *testing.T) {
	expect(t, []Record{
		put("a", "k", "1", 0, 10),
		get("b", "k", nil, 20, 30), // acknowledged, then gone (a failover that lost it)
	}, porcupine.Illegal)
}

func TestAnAppendAppliedTwiceIsIllegal(t *testing.T) {
	expect(t, []Record{
		{Client: "a", Op: "append", Key: "l", Value: " x", Result: s("2"), Call: 0, Return: 10, Outcome: "ok"},
		get("b", "l", s(" x x"), 20, 30),
	}, porcupine.Illegal)
}

func TestACounterThatSkipsOrRepeatsIsIllegal(t *testing.T) {
	expect(t, []Record{
		{Client: "a", Op: "incr", Key: "c", Result: s("1"), Call: 0, Return: 10, Outcome: "ok"},
		{Client: "b", Op: "incr", Key: "c", Result: s("1"), Call: 20, Return: 30, Outcome: "ok"},
	}, porcupine.Illegal)
}

func getset(client, key, value string, replaced *string, call, ret int64) Record {
	return Record{Client: client, Op: "getset", Key: key, Value: value, Result: replaced, Call: call, Return: ret, Outcome: "ok"}
}

func TestAGetsetThatDoesNotSeeTheAcknowledgedOneBeforeItIsIllegal(t *testing.T) {
	expect(t, []Record{
		getset("a", "k", "1", nil, 0, 10),
		getset("b", "k", "2", nil, 20, 30), // the first write lost: the second replaced nothing
	}, porcupine.Illegal)
	expect(t, []Record{
		getset("a", "k", "1", nil, 0, 10),
		getset("b", "k", "2", s("1"), 20, 30),
		get("c", "k", s("2"), 40, 50),
	}, porcupine.Ok)
}

func TestAGetsetOfUnknownOutcomeMayTakeEffectLateOrNever(t *testing.T) {
	unknown := Record{Client: "a", Op: "getset", Key: "k", Value: "1", Call: 0, Return: 10, Outcome: "unknown"}
	expect(t, []Record{unknown, getset("b", "k", "2", s("1"), 20, 30)}, porcupine.Ok) // applied before
	expect(t, []Record{unknown, getset("b", "k", "2", nil, 20, 30)}, porcupine.Ok)    // applied after, or never
	expect(t, []Record{unknown, getset("b", "k", "2", s("3"), 20, 30)}, porcupine.Illegal)
}

func TestConcurrentOperationsMayTakeEffectInEitherOrder(t *testing.T) {
	expect(t, []Record{
		put("a", "k", "1", 0, 100),
		put("b", "k", "2", 10, 90),
		get("c", "k", s("1"), 95, 120),
		get("c", "k", s("1"), 130, 140),
	}, porcupine.Ok)
}

func TestAWriteOfUnknownOutcomeMayTakeEffectLateOrNever(t *testing.T) {
	unknown := Record{Client: "a", Op: "put", Key: "k", Value: "2", Call: 20, Return: 25, Outcome: "unknown"}
	expect(t, []Record{put("a", "k", "1", 0, 10), unknown, get("b", "k", s("1"), 30, 40), get("b", "k", s("2"), 50, 60)}, porcupine.Ok)
	expect(t, []Record{put("a", "k", "1", 0, 10), unknown, get("b", "k", s("1"), 30, 40), get("b", "k", s("1"), 50, 60)}, porcupine.Ok)
	// but not before its call
	expect(t, []Record{put("a", "k", "1", 0, 10), get("b", "k", s("2"), 12, 15), unknown}, porcupine.Illegal)
	// and once seen, it cannot be unseen
	expect(t, []Record{put("a", "k", "1", 0, 10), unknown, get("b", "k", s("2"), 30, 40), get("b", "k", s("1"), 50, 60)}, porcupine.Illegal)
}

func TestFailedOperationsAreLeftOut(t *testing.T) {
	failed := Record{Client: "a", Op: "put", Key: "k", Value: "2", Call: 20, Return: 25, Outcome: "fail"}
	verdict := check(t, []Record{put("a", "k", "1", 0, 10), failed, get("b", "k", s("1"), 30, 40)})
	if verdict.Result != porcupine.Ok || verdict.Failed != 1 || verdict.Operations != 2 {
		t.Fatalf("want Ok with one failed left out, got %s", verdict.Summary())
	}
}

func TestKeysAreIndependent(t *testing.T) {
	expect(t, []Record{put("a", "x", "1", 0, 10), get("b", "y", nil, 20, 30), get("b", "x", s("1"), 20, 30)}, porcupine.Ok)
}
