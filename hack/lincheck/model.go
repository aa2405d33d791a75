package main

import (
	"fmt"
	"strconv"
)

// One operation of a history, as the tests record it (one JSON object a line).
//
// Times are nanoseconds of one monotonic clock. Outcome is "ok" (the store answered, Result is what
// it answered), "fail" (the store said nothing was applied: the operation is left out) or "unknown"
// (a timeout, a broken connection, or an answer that says the write may or may not survive: the
// operation may take effect at any time after its call, or never).
type Record struct {
	Client  string  `json:"client"`
	Op      string  `json:"op"` // put, get, getset (SET ... GET), append, incr
	Key     string  `json:"key"`
	Value   string  `json:"value,omitempty"`  // put's value, append's suffix
	Result  *string `json:"result,omitempty"` // get, getset: the value (getset's from before it), absent when the key is; append: the new length; incr: the new value
	Call    int64   `json:"call"`
	Return  int64   `json:"return"`
	Outcome string  `json:"outcome"`
	Store   string  `json:"store,omitempty"` // who answered, for the visualization
}

// What the model is given for an operation (porcupine's input).
type input struct {
	op    string
	key   string
	value string
}

// What the store answered (porcupine's output). unknown: nothing was heard, any answer fits.
type output struct {
	unknown bool
	exists  bool
	value   string
}

// state of one key: registers, appends and counters all hold a string, absent until written.
type state struct {
	exists bool
	value  string
}

// step is the sequential specification of one key. A write whose outcome is unknown may have been
// applied (that step is legal whatever it "answered"); that it may also never have been applied is
// porcupine's matter: such an operation returns after everything else, so it can be placed last.
func step(s state, in input, out output) (bool, state) {
	switch in.op {
	case "put":
		return true, state{exists: true, value: in.value}
	case "get":
		if out.unknown {
			return true, s
		}
		return out.exists == s.exists && (!s.exists || out.value == s.value), s
	case "getset":
		// SET ... GET: a put that answers what it replaced, decided on the primary, so a register's writes are
		// observed too (a lost or resurrected one shows in the next getset's answer)
		next := state{exists: true, value: in.value}
		return out.unknown || (out.exists == s.exists && (!s.exists || out.value == s.value)), next
	case "append":
		next := state{exists: true, value: s.value + in.value}
		return out.unknown || out.value == strconv.Itoa(len(next.value)), next
	case "incr":
		current := int64(0)
		if s.exists {
			parsed, err := strconv.ParseInt(s.value, 10, 64)
			if err != nil {
				return false, s // INCR of a non-number fails and changes nothing: such an op is not "ok"
			}
			current = parsed
		}
		next := state{exists: true, value: strconv.FormatInt(current+1, 10)}
		return out.unknown || out.value == next.value, next
	}
	panic(fmt.Sprintf("unknown operation %q", in.op))
}

func describe(in input, out output) string {
	answer := "?"
	if !out.unknown {
		switch {
		case in.op == "get" && !out.exists:
			answer = "nil"
		case in.op == "put":
			answer = "ok"
		default:
			answer = shorten(out.value)
		}
	}
	switch in.op {
	case "put", "append":
		return fmt.Sprintf("%s(%s, %s) -> %s", in.op, in.key, shorten(in.value), answer)
	case "getset":
		if !out.unknown && !out.exists {
			answer = "nil"
		}
		return fmt.Sprintf("%s(%s, %s) -> %s", in.op, in.key, shorten(in.value), answer)
	default:
		return fmt.Sprintf("%s(%s) -> %s", in.op, in.key, answer)
	}
}

// shorten keeps a visualization of tens of thousands of operations small: appended values grow,
// and what tells them apart is their length and their end.
func shorten(value string) string {
	const keep = 24
	if len(value) <= keep {
		return strconv.Quote(value)
	}
	return fmt.Sprintf("\"…%s\" (%d bytes)", value[len(value)-keep:], len(value))
}
