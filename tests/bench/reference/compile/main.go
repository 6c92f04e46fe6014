// Command compile times the reference kro's graph builder on RGD files, for the side-by-side
// comparison in tests/bench/compare.
//
// Usage: compile -kubeconfig FILE [-time 1s] [-rounds 5] [-cpuprofile FILE] RGD-FILE...
//
// For every file it decodes the ResourceGraphDefinition once, checks that the reference accepts
// it, then prints one tab-separated line:
//
//	name  build-ns-per-op  decode+build-ns-per-op  allocs-per-op  status
//
// Each time is the best of -rounds means, each over at least -time (the round least disturbed
// by other work on a shared machine), as our side is measured.
//
// "build" is Builder.NewResourceGraphDefinition alone on the decoded object (what the
// reference's own builder benchmarks measure); "decode+build" adds decoding the YAML text, so it
// starts from the same input as our compiler does.
//
// The builder is the one the reference's controller makes (graph.NewBuilder with its defaults):
// kinds' schemas are fetched from the API server's OpenAPI once, then served from the
// reference's in-memory cache, and scopes come from a discovery REST mapper — so after the
// untimed first build, the timed builds read schemas from memory, as the controller's do.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/kubernetes-sigs/kro/api/v1alpha1"
	"github.com/kubernetes-sigs/kro/pkg/graph"
)

func main() {
	benchTime := flag.Duration("time", time.Second, "how long to run each round of a measurement")
	rounds := flag.Int("rounds", 5, "rounds of each measurement; the best is reported")
	kubeconfig := flag.String("kubeconfig", "", "the kubeconfig of a running control plane")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the timed builds to this file")
	flag.Parse()
	// testing.Benchmark reads -test.benchtime; register the testing flags and set it.
	testing.Init()
	if err := flag.Set("test.benchtime", benchTime.String()); err != nil {
		fail(err)
	}

	restConfig, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fail(err)
	}
	httpClient, err := rest.HTTPClientFor(restConfig)
	if err != nil {
		fail(err)
	}
	builder, err := graph.NewBuilder(restConfig, httpClient)
	if err != nil {
		fail(err)
	}
	// The controller's defaults (--rgd-max-collection-size, --rgd-max-collection-dimension-size).
	config := graph.RGDConfig{MaxCollectionSize: 1000, MaxCollectionDimensionSize: 10}

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}

	for _, path := range flag.Args() {
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		text, err := os.ReadFile(path)
		if err != nil {
			fail(err)
		}
		// Fields the reference's API does not know are dropped, as the API server's pruning
		// would drop them before its controller sees the object; the status line says so.
		decode := func() (*v1alpha1.ResourceGraphDefinition, error) {
			var rgd v1alpha1.ResourceGraphDefinition
			return &rgd, yaml.Unmarshal(text, &rgd)
		}
		status := "ok"
		if err := yaml.UnmarshalStrict(text, &v1alpha1.ResourceGraphDefinition{}); err != nil {
			status = "ok, pruned: " + oneLine(err)
		}
		rgd, err := decode()
		if err != nil {
			fmt.Printf("%s\t-\t-\t-\trejected: decode: %s\n", name, oneLine(err))
			continue
		}
		if _, err := builder.NewResourceGraphDefinition(rgd, config); err != nil {
			fmt.Printf("%s\t-\t-\t-\trejected: %s\n", name, oneLine(err))
			continue
		}
		build := best(*rounds, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := builder.NewResourceGraphDefinition(rgd, config); err != nil {
					b.Fatal(err)
				}
			}
		})
		full := best(*rounds, func(b *testing.B) {
			for b.Loop() {
				rgd, err := decode()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := builder.NewResourceGraphDefinition(rgd, config); err != nil {
					b.Fatal(err)
				}
			}
		})
		fmt.Printf("%s\t%d\t%d\t%d\t%s\n", name, build.NsPerOp(), full.NsPerOp(), build.AllocsPerOp(), status)
	}
}

// best runs a benchmark `rounds` times and returns the fastest result.
func best(rounds int, f func(b *testing.B)) testing.BenchmarkResult {
	result := testing.Benchmark(f)
	for i := 1; i < rounds; i++ {
		if r := testing.Benchmark(f); r.NsPerOp() < result.NsPerOp() {
			result = r
		}
	}
	return result
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compile:", err)
	os.Exit(1)
}
