// lincheck checks a history of operations on the store for linearizability with porcupine
// (github.com/anishathalye/porcupine) and writes porcupine's HTML visualization of it.
//
//	lincheck -history history.jsonl -html history.html [-timeout 60s]
//
// Exit status: 0 linearizable, 1 not linearizable, 2 the check timed out or the input is bad
// (the tests fail on anything but 0). The verdict and counts go to standard output.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"
)

func main() {
	historyPath := flag.String("history", "", "the history: one JSON object a line (see Record)")
	htmlPath := flag.String("html", "", "where to write porcupine's visualization (none when empty)")
	timeout := flag.Duration("timeout", 60*time.Second, "give up (exit 2) after this long")
	flag.Parse()
	if *historyPath == "" {
		fmt.Fprintln(os.Stderr, "lincheck: -history is required")
		os.Exit(2)
	}
	records, err := readHistory(*historyPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lincheck:", err)
		os.Exit(2)
	}
	verdict := Check(records, *timeout, *htmlPath)
	fmt.Println(verdict.Summary())
	if verdict.VisualizationError != nil {
		fmt.Fprintln(os.Stderr, "lincheck: visualization not written:", verdict.VisualizationError)
	}
	switch verdict.Result {
	case porcupine.Ok:
		os.Exit(0)
	case porcupine.Illegal:
		os.Exit(1)
	default:
		os.Exit(2)
	}
}

func readHistory(path string) ([]Record, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	var records []Record
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; scanner.Scan(); line++ {
		if len(scanner.Bytes()) == 0 {
			continue
		}
		var record Record
		if err := json.Unmarshal(scanner.Bytes(), &record); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		if err := record.validate(); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		records = append(records, record)
	}
	return records, scanner.Err()
}

func (r Record) validate() error {
	switch r.Op {
	case "put", "get", "getset", "append", "incr":
	default:
		return fmt.Errorf("unknown op %q", r.Op)
	}
	switch r.Outcome {
	case "ok":
		if r.Return < r.Call {
			return fmt.Errorf("returns (%d) before its call (%d)", r.Return, r.Call)
		}
		if (r.Op == "append" || r.Op == "incr") && r.Result == nil {
			return fmt.Errorf("an ok %s needs its result", r.Op)
		}
	case "fail", "unknown":
	default:
		return fmt.Errorf("unknown outcome %q", r.Outcome)
	}
	return nil
}

// Verdict of one check.
type Verdict struct {
	Result             porcupine.CheckResult
	Operations         int // in the check (failed ones are not)
	Unknown            int // of which with unknown outcome
	Failed             int // left out: the store said nothing was applied
	Reads              int // ok gets
	Keys               int
	Took               time.Duration
	IllegalKeys        []string // when Illegal: the keys whose operations alone are not linearizable
	VisualizationError error
}

func (v Verdict) Summary() string {
	summary := fmt.Sprintf("lincheck: %s: %d operations on %d keys (%d reads, %d with unknown outcome; %d failed ones left out), checked in %s",
		v.Result, v.Operations, v.Keys, v.Reads, v.Unknown, v.Failed, v.Took.Round(time.Millisecond))
	if len(v.IllegalKeys) > 0 {
		summary += fmt.Sprintf("; not linearizable on %v (see the visualization)", v.IllegalKeys)
	}
	return summary
}

// Check turns records into porcupine operations (by key) and checks them.
func Check(records []Record, timeout time.Duration, htmlPath string) Verdict {
	verdict := Verdict{}
	var end int64
	for _, r := range records {
		if r.Return > end {
			end = r.Return
		}
		if r.Call > end {
			end = r.Call
		}
	}
	clients := map[string]int{}
	keys := map[string]bool{}
	var operations []porcupine.Operation
	for _, r := range records {
		if r.Outcome == "fail" {
			verdict.Failed++
			continue
		}
		if r.Outcome == "unknown" && r.Op == "get" {
			// a read that was not answered says nothing
			verdict.Failed++
			continue
		}
		id, seen := clients[r.Client]
		if !seen {
			id = len(clients)
			clients[r.Client] = id
		}
		keys[r.Key] = true
		out := output{}
		ret := r.Return
		if r.Outcome == "unknown" {
			out.unknown = true
			ret = end + 1 // may take effect at any time after its call, or never (placed last)
			verdict.Unknown++
		} else if r.Result != nil {
			out.exists = true
			out.value = *r.Result
		}
		if r.Op == "get" || (r.Op == "getset" && r.Outcome == "ok") {
			verdict.Reads++ // an answered getset says what it replaced: a read as well
		}
		operations = append(operations, porcupine.Operation{
			ClientId: id,
			Input:    input{op: r.Op, key: r.Key, value: r.Value},
			Call:     r.Call,
			Output:   out,
			Return:   ret,
			Metadata: r.Store,
		})
	}
	verdict.Operations = len(operations)
	verdict.Keys = len(keys)
	started := time.Now()
	result, info := porcupine.CheckOperationsVerbose(kvModel(), operations, timeout)
	verdict.Took = time.Since(started)
	verdict.Result = result
	if result == porcupine.Illegal {
		verdict.IllegalKeys = illegalKeys(operations, timeout)
	}
	if htmlPath != "" {
		verdict.VisualizationError = porcupine.VisualizePath(kvModel(), info, htmlPath)
	}
	return verdict
}

// illegalKeys names the keys whose histories fail on their own (the model is per key, so at least one does).
func illegalKeys(operations []porcupine.Operation, timeout time.Duration) []string {
	var illegal []string
	for _, partition := range kvModel().Partition(operations) {
		if porcupine.CheckOperationsTimeout(kvModel(), partition, timeout) == porcupine.Illegal {
			illegal = append(illegal, partition[0].Input.(input).key)
		}
	}
	return illegal
}

func kvModel() porcupine.Model {
	return porcupine.Model{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			byKey := map[string][]porcupine.Operation{}
			for _, op := range history {
				key := op.Input.(input).key
				byKey[key] = append(byKey[key], op)
			}
			names := make([]string, 0, len(byKey))
			for key := range byKey {
				names = append(names, key)
			}
			sort.Strings(names)
			partitions := make([][]porcupine.Operation, 0, len(names))
			for _, key := range names {
				partitions = append(partitions, byKey[key])
			}
			return partitions
		},
		Init: func() interface{} { return state{} },
		Step: func(s, in, out interface{}) (bool, interface{}) {
			return step(s.(state), in.(input), out.(output))
		},
		Equal: func(a, b interface{}) bool { return a.(state) == b.(state) },
		DescribeOperation: func(in, out interface{}) string {
			return describe(in.(input), out.(output))
		},
		DescribeState: func(s interface{}) string {
			st := s.(state)
			if !st.exists {
				return "nil"
			}
			return shorten(st.value)
		},
		DescribeOperationMetadata: func(info interface{}) string {
			if info == nil {
				return ""
			}
			return fmt.Sprintf("answered by %v", info)
		},
	}
}
