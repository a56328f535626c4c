GO      ?= go
BIN     := bin/regshare
RUNDIR  := .run

.PHONY: build run test fuzz smoke bench lint clean

build:
	$(GO) build -o $(BIN) ./cmd/regshare

# The whole system in one process (regshare dev): the registry on
# 127.0.0.1:5000 and regshare on 127.0.0.1:5001, with demo users; keys,
# users, shares and images stay in .run/dev.
run: build
	./$(BIN) dev --data $(RUNDIR)/dev

test:
	$(GO) test -race ./...

# Each fuzz target for FUZZTIME (10s), one at a time; their seeds run in
# `make test`. A failing input is saved under the package's testdata/fuzz.
FUZZTIME ?= 10s
FUZZ := \
	./tokenauth:FuzzParseScope \
	./tokenauth:FuzzTokenBasicAuth \
	./tokenauth:FuzzRecipientScope \
	./admin:FuzzParseDeadline \
	./admin:FuzzShareBody \
	./admin:FuzzBulkBody \
	./admin:FuzzRepositoryPath \
	./admin:FuzzParseDuration \
	./grants:FuzzValidateRepository \
	./grants:FuzzDecodeShare \
	./grants:FuzzNamespaceShare \
	./grants:FuzzGroupShare \
	./webhook:FuzzParseSecret \
	./webhook:FuzzVerify \
	./notify:FuzzNotification \
	./ldapauth:FuzzTemplate \
	./ldapauth:FuzzUserFilter \
	./oidclogin:FuzzClaims \
	./oidclogin:FuzzLoginCookie

fuzz:
	@set -e; for t in $(FUZZ); do \
		pkg=$${t%%:*}; name=$${t#*:}; \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# skopeo against `regshare dev`: push, share, pull, refused push, revoke.
smoke:
	GO="$(GO)" bash scripts/smoke.sh

# Go benchmarks and wrk load runs (wrk is installed when missing), printed
# as one table of figures and targets; about 7 minutes. BENCH_ONLY=S0,S5
# runs only those load rows (S0, the ceiling, always runs).
bench:
	GO="$(GO)" bash scripts/bench.sh

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin $(RUNDIR)
