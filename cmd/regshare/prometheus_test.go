package main

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The alert rules and the dashboard in deploy/prometheus name only metrics
// regshare exports: a renamed metric must not leave an alert that never
// fires.
func TestPrometheusFiles(t *testing.T) {
	var rules struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	data, err := os.ReadFile("../../deploy/prometheus/rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&rules); err != nil {
		t.Fatalf("rules.yml: %v", err)
	}
	var exprs []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("rule %+v lacks alert, expr, severity or summary", r)
			}
			exprs = append(exprs, r.Expr)
		}
	}
	if len(exprs) < 5 {
		t.Fatalf("only %d rules", len(exprs))
	}

	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	data, err = os.ReadFile("../../deploy/prometheus/dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			exprs = append(exprs, q.Expr)
		}
	}

	// What a bolt-backed and an etcd-backed regshare export, once each kind
	// of series has been produced.
	r := newReplicas(t)
	if _, err := r.e.push("walt", "acme/web:1.0"); err != nil {
		t.Fatal(err)
	}
	r.token(t, replicaA, "gina", "acme/web")
	exported := map[string]bool{}
	for _, scrape := range []map[string]float64{r.e.scrape(), scrapeApp(t, r.apps[replicaA])} {
		for series := range scrape {
			name, _, _ := strings.Cut(series, "{")
			exported[name] = true
		}
	}
	metric := regexp.MustCompile(`\b(regshare_[a-z_]+|up)\b`)
	for _, e := range exprs {
		for _, name := range metric.FindAllString(e, -1) {
			if name == "up" {
				continue // Prometheus's own
			}
			if !exported[name] {
				t.Errorf("%q names %s, which regshare does not export (it has %v)", e, name, slices.Sorted(func(yield func(string) bool) {
					for k := range exported {
						if strings.HasPrefix(k, "regshare_") && !yield(k) {
							return
						}
					}
				}))
			}
		}
	}
}

// scrapeApp scrapes any app, as e2e.scrape does its own.
func scrapeApp(t *testing.T, a *app) map[string]float64 {
	e := &e2e{t: t, app: a}
	return e.scrape()
}
