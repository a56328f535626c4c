package grants

import (
	"runtime"
	"sync"
)

// spreadMin is the least work spread over several cores: below it, starting
// the goroutines costs more than they save.
const spreadMin = 4096

// parts is how many parts spread cuts n items into: one per core, one when
// n is small.
func parts(n int) int { return max(1, min(runtime.GOMAXPROCS(0), n/spreadMin)) }

// spread calls fn for each of p contiguous parts [lo, hi) of n items, each
// part in its own goroutine, and returns when all have.
func spread(p, n int, fn func(part, lo, hi int)) {
	if p == 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range p {
		wg.Go(func() { fn(w, w*n/p, (w+1)*n/p) })
	}
	wg.Wait()
}
