//go:build tools

// Package promtool pins Prometheus's promtool, built from its Go module by hack/promtool.sh: the alert
// rules of the chart are checked and unit-tested with it (promtool check rules, promtool test rules).
package promtool

import _ "github.com/prometheus/prometheus/cmd/promtool"
