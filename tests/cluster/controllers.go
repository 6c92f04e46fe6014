package main

// kube-controller-manager and kube-scheduler, started from their Options structs with
// command-line flags, the way their app/testing test servers start them. Neither serves HTTP
// (--secure-port=0) and neither runs leader election: there is exactly one of each.

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
	kcmapp "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	kcmoptions "k8s.io/kubernetes/cmd/kube-controller-manager/app/options"
	schedapp "k8s.io/kubernetes/cmd/kube-scheduler/app"
	schedoptions "k8s.io/kubernetes/cmd/kube-scheduler/app/options"
)

// controllers are the kube-controller-manager controllers the tests need: namespace deletion,
// garbage collection, the workload controllers and service accounts. Node lifecycle is left out
// on purpose: the simulated node has no kubelet heartbeats and must stay Ready.
var controllers = []string{
	"namespace-controller",
	"garbage-collector-controller",
	"deployment-controller",
	"replicaset-controller",
	"statefulset-controller",
	"daemonset-controller",
	"job-controller",
	"cronjob-controller",
	"endpointslice-controller",
	"serviceaccount-controller",
	"serviceaccount-token-controller",
	"root-ca-certificate-publisher-controller",
	"clusterrole-aggregation-controller",
}

func controllerManagerFlags(kubeconfig string, p *pki) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--controllers=" + strings.Join(controllers, ","),
		"--service-account-private-key-file=" + p.saKeyFile,
		"--root-ca-file=" + p.caCertFile,
		"--use-service-account-credentials=false",
		"--cluster-name=kro-test",
		"--kube-api-qps=100",
		"--kube-api-burst=200",
		"--profiling=false",
	}
}

// parseControllerManagerFlags builds kube-controller-manager's options. It must run before any
// other component registers feature-gate flags: it changes a feature gate's default, as the
// kube-controller-manager binary does, and that is refused once the gates are in a flag set.
func parseControllerManagerFlags(flags []string) (*kcmoptions.KubeControllerManagerOptions, error) {
	s, err := kcmoptions.NewKubeControllerManagerOptions()
	if err != nil {
		return nil, err
	}
	all, disabled, aliases := kcmapp.KnownControllers(), kcmapp.ControllersDisabledByDefault(), kcmapp.ControllerAliases()
	named := s.Flags(all, disabled, aliases)
	fs := pflag.NewFlagSet("kube-controller-manager", pflag.ContinueOnError)
	for _, f := range named.FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(flags); err != nil {
		return nil, err
	}
	s.ParsedFlags = &named
	return s, nil
}

// startControllerManager runs kube-controller-manager until ctx is done.
func startControllerManager(ctx context.Context, s *kcmoptions.KubeControllerManagerOptions) (<-chan error, error) {
	all, disabled, aliases := kcmapp.KnownControllers(), kcmapp.ControllersDisabledByDefault(), kcmapp.ControllerAliases()
	config, err := s.Config(ctx, all, disabled, aliases)
	if err != nil {
		return nil, fmt.Errorf("kube-controller-manager config: %w", err)
	}
	errCh := make(chan error, 1)
	go func() {
		errCh <- kcmapp.Run(ctx, config.Complete())
	}()
	return errCh, nil
}

func schedulerFlags(kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--kube-api-qps=100",
		"--kube-api-burst=200",
	}
}

// parseSchedulerFlags builds kube-scheduler's options.
func parseSchedulerFlags(flags []string) (*schedoptions.Options, error) {
	opts := schedoptions.NewOptions()
	fs := pflag.NewFlagSet("kube-scheduler", pflag.ContinueOnError)
	for _, f := range opts.Flags.FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(flags); err != nil {
		return nil, err
	}
	return opts, nil
}

// startScheduler runs kube-scheduler until ctx is done.
func startScheduler(ctx context.Context, opts *schedoptions.Options) (<-chan error, error) {
	cc, sched, err := schedapp.Setup(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("kube-scheduler setup: %w", err)
	}
	errCh := make(chan error, 1)
	go func() {
		errCh <- schedapp.Run(ctx, cc, sched)
	}()
	return errCh, nil
}
