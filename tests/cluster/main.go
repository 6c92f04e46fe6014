// Command cluster is the local Kubernetes control plane used by kro-rs tests.
//
// One process runs embedded etcd, kube-apiserver, kube-controller-manager, kube-scheduler and a
// simulated node, all bound to 127.0.0.1. The components are the official ones from
// k8s.io/kubernetes, started in-process from their Options structs the way Kubernetes' own
// integration test servers start them.
//
// Subcommands:
//
//	cluster serve --state-dir DIR --out-dir DIR   run the control plane until SIGTERM/SIGINT
//	cluster wait --kubeconfig FILE [--pid N]      wait for /readyz and the simulated node
//	cluster dump-openapi --kubeconfig FILE --out FILE
//	                                              write the bundled OpenAPI data of built-in kinds
package main

import (
	"fmt"
	"os"
)

func usage() {
	fmt.Fprintf(os.Stderr, `usage: %s <serve|wait|dump-openapi> [flags]

  serve         run etcd, kube-apiserver, kube-controller-manager, kube-scheduler and a
                simulated node in this process until SIGTERM or SIGINT
  wait          wait until the API server is ready and the simulated node is Ready
  dump-openapi  write the OpenAPI schemas of all built-in group-versions to a file

Run '%s <command> --help' for the flags of a command.
`, os.Args[0], os.Args[0])
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serveMain(os.Args[2:])
	case "wait":
		err = waitMain(os.Args[2:])
	case "dump-openapi":
		err = dumpOpenAPIMain(os.Args[2:])
	case "-h", "--help", "help":
		usage()
		return
	default:
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cluster %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
