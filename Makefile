GO      ?= go
BIN     := bin/regshare
RUNDIR  := .run

.PHONY: build run test bench lint clean

build:
	$(GO) build -o $(BIN) ./cmd/regshare

# Starts regshare with the sample configuration (deploy/dev/regshare.yml)
# and keys generated on first use under .run/.
run: build
	@test -f $(RUNDIR)/keys/signing.key || ./$(BIN) keygen --out $(RUNDIR)/keys
	./$(BIN) serve --config deploy/dev/regshare.yml

test:
	$(GO) test -race ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin $(RUNDIR)
