package monitoring

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

const (
	rulesFile     = "keepalived.rules.yml"
	rulesTestFile = "keepalived.rules.test.yml"
)

// TestRulesCheck runs `promtool check rules` on the alerting rules.
func TestRulesCheck(t *testing.T) {
	promtool := requireTool(t, "promtool", "prometheus")
	out, err := exec.Command(promtool, "check", "rules", rulesFile).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// TestRulesUnit runs `promtool test rules`, after checking that its file
// makes every alert both fire and stay silent at least once.
func TestRulesUnit(t *testing.T) {
	promtool := requireTool(t, "promtool", "prometheus")
	alerts := alertNames(t)
	if len(alerts) != 8 {
		t.Errorf("%d alerts in %s: %v", len(alerts), rulesFile, alerts)
	}
	fires, silent := coverage(t)
	for _, a := range alerts {
		if !fires[a] {
			t.Errorf("%s: no case in %s where %s fires", rulesTestFile, rulesFile, a)
		}
		if !silent[a] {
			t.Errorf("%s: no case in %s where %s stays silent", rulesTestFile, rulesFile, a)
		}
	}
	out, err := exec.Command(promtool, "test", "rules", rulesTestFile).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

var alertRE = regexp.MustCompile(`(?m)^\s*- alert: (\S+)\s*$`)

func alertNames(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range alertRE.FindAllStringSubmatch(string(b), -1) {
		names = append(names, m[1])
	}
	return names
}

// coverage reads the unit tests' alert cases: an `alertname:` line
// followed by `exp_alerts: []` is a silent case, by a list a firing one.
func coverage(t *testing.T) (fires, silent map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(rulesTestFile)
	if err != nil {
		t.Fatal(err)
	}
	fires, silent = map[string]bool{}, map[string]bool{}
	lines := strings.Split(string(b), "\n")
	for i, ln := range lines {
		name, ok := strings.CutPrefix(strings.TrimSpace(ln), "alertname: ")
		if !ok || i+1 >= len(lines) {
			continue
		}
		switch strings.TrimSpace(lines[i+1]) {
		case "exp_alerts: []":
			silent[name] = true
		case "exp_alerts:":
			fires[name] = true
		}
	}
	return fires, silent
}
